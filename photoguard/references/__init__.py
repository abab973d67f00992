"""Reference faces of opted-out students: picture-day deliveries, enrolling, sealing, deleting."""
