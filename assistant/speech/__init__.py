"""Speech recognition: decode audio, recognise it (batch and live), guard against hallucinations.

``types`` is the seam (``SpeechToText``, ``Segment``, ``Transcript``); ``whisper`` the faster-whisper
backend, ``model`` its packaged model files; ``audio`` decodes files, ``telephone`` makes 8 kHz
telephone-band audio; ``streaming`` turns live PCM into utterance events with ``endpointing``;
``filters`` and ``text`` clean what Whisper writes. It knows nothing of the hotline that uses it.
"""
