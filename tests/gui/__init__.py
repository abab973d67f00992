"""GUI tests: the real app driven offscreen with pytest-qt."""
