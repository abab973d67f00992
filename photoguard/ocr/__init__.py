"""Text written in the pictures themselves: name tags, certificates, jerseys, posters.

- model.py: the OCR model files (from the rapidocr wheel), checked by SHA-256;
- detect.py: where the text is (PP-OCR's text detector and its DB post-processing);
- recognise.py: what it says (the orientation classifier and the text recogniser);
- read.py: :func:`read_text`, the whole reading of one picture.

Everything runs offline on the CPU with onnxruntime; no model is ever downloaded.
"""
