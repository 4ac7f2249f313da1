"""Evaluation: the test protocols of both papers over a trained model."""
