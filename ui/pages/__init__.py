"""One page per job: check photos, roster, reference faces, approval log, settings."""
