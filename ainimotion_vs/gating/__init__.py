"""The gate's parts: :mod:`.settings` (named thresholds, labels, prop names; a leaf),
:mod:`.metrics` (the analysis picture and the numbers measured on it, numpy), :mod:`.detectors`
(the decision of one interval from a window of metrics, numpy) and :mod:`.native` (the same in
C: the ``ainimotion.Gate`` VapourSynth filter built from ``_gatevs.c``). The public entry point
is :func:`ainimotion_vs.gate.gate`, which picks the filter or the numpy reference.

Arrows point down only: settings <- metrics <- detectors; metrics <- native; gate uses them all.
"""
__all__: list[str] = []
