"""Layer 5, fold directory -> fine-tuned checkpoint: the fairseq plugin (task, criteria, checkpoint loading),
pre-trained checkpoints, recipe configs, a fold's training directory and model record, Slurm, loading a fine-tuned
model. Imports the layers below."""
