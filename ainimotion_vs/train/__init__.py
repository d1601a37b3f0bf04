"""Fine-tuning on your own anime: gate-curated data, codec degradations, training, evaluation.

- :mod:`.datasets`: ``curate_interp`` / ``curate_upscale`` (the gate's labels pick the
  frames), the manifest, loading samples for training.
- :mod:`.degradations`: the release-like degradation of a high-quality frame (blur,
  resize, noise, ringing, x264/x265 at random CRF through ffmpeg); the recipe is data.
- :mod:`.losses`: Charbonnier reconstruction and the soft-Sobel line-stability term.
- :mod:`.checkpoints`: training state with exact resume; the installable ``best.pth``.
- :mod:`.loop`: ``train()`` (AdamW, cosine schedule, AMP on CUDA, accumulation, CSV log, plot).
- :mod:`.evaluate`: base vs tuned on held-back samples, one table.

Nothing here is imported by ``import ainimotion_vs``; torch is imported where used.
"""
from __future__ import annotations

__all__: list[str] = []
