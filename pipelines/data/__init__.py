"""Input data: sources (embedded, TFDS, image folders), the papers' preprocessing, create_split."""
