"""``torch.utils`` as far as tinynet has it: ``tinynet.utils.data`` (the same objects as
``tinynet.data``), so that ``import tinynet as torch; torch.utils.data.DataLoader`` works."""

from tinynet.utils import data

__all__ = ["data"]
