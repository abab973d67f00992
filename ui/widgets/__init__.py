"""Reusable widgets: drop target, verdict badges, image view with face boxes, empty states."""
