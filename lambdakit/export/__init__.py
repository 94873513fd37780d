"""Export a local function to AWS's deployment tools: see lambdakit.export.sam."""

from .sam import export_sam

__all__ = ["export_sam"]
