"""Training: typed run configs and recipes, strategies, steps, checkpoints, the Trainer."""
