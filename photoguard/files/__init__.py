"""Files as photoguard handles them: hashing, opening safely, names shown honestly, CSV."""
