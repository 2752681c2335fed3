"""Build a tiny random-weights Llama with a chat template into DIR (run with the .realsrv interpreter).

No hub download: a byte-level BPE tokenizer is trained on one sentence, and the weights are random, so the
served text is noise; the smoke checks look at shapes, order, timing and counts, never content.

Two things keep that noise usable. The weights come from a fixed seed, so every run serves the same model.
The generation config suppresses every token that does not decode to printable ASCII on its own: the
special tokens, and the lone bytes of multi-byte UTF-8 characters. Without it, some random draws emit only
partial characters. `transformers serve` then holds them back from the stream, waiting for the rest of the
character, and the stream carries no text at all.
"""

import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast


def main(directory: str) -> None:
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<unk>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(["hello world this is a tiny test model"] * 50, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="</s>"
    )
    fast.chat_template = (
        "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}"
    )
    fast.save_pretrained(directory)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=512,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=1, eos_token_id=2, pad_token_id=2, suppress_tokens=_non_text_tokens(fast)
    )
    model.save_pretrained(directory)


def _non_text_tokens(fast: PreTrainedTokenizerFast) -> list[int]:
    """Ids whose text alone is not printable ASCII (specials decode to "" here, so they are caught too)."""
    texts = {token_id: fast.decode([token_id], skip_special_tokens=True) for token_id in range(len(fast))}
    return [token_id for token_id, text in texts.items() if not _printable_ascii(text)]


def _printable_ascii(text: str) -> bool:
    return bool(text) and text.isascii() and text.isprintable()


if __name__ == "__main__":
    main(sys.argv[1])
