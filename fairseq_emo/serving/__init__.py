"""Your recordings -> emotions, and a fold -> a Hugging Face model: predict and its inputs, the export and the
code shipped in it (hf_code/). Imports core, units, data, decoding, training; never evaluation or reporting."""
