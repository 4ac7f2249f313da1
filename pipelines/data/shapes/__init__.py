"""The embedded dataset: ten classes of drawn objects, generated offline as a TFDS builder."""
