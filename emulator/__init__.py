"""Local emulator of the Google Cloud APIs the toolkit calls, plus the OpenAI-compatible chat routes."""
