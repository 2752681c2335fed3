"""The only code that talks to Google APIs: thin clients, retries, LRO waits, error translation."""
