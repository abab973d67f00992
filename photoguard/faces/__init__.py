"""Faces: finding them (detection), describing them (the ResNet) and the model files."""
