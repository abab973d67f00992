"""The data folder: where things live, its settings, the database it opens."""
