"""Qt item models over core results, with named column constants (tested without widgets)."""
