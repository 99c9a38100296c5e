"""A linear layer whose output rows do not depend on their place in the batch."""

import torch.nn.functional as F
from torch import nn

__all__ = ["AlignedLinear"]

# Values per 64-byte line: the alignment CPU matrix kernels work in.
_ALIGNMENT = 16


class AlignedLinear(nn.Linear):
    """:class:`torch.nn.Linear` that gives a sample the same output in any batch.

    CPU matrix kernels may sum a row's products in an order that depends on
    where the row starts in memory; when ``in_features`` is not a multiple of
    16, that changes with the row's position in the batch, and the same
    sample gets outputs that differ in the last bits from batch to batch.
    Here every row is zero-padded to a multiple of 16 values (and the weight
    with it), so that all rows share one layout. The parameters, their
    initialisation and the state dict are those of :class:`torch.nn.Linear`.
    """

    def forward(self, x):
        padding = -self.in_features % _ALIGNMENT
        if not padding:
            return super().forward(x)
        return F.linear(
            F.pad(x, (0, padding)), F.pad(self.weight, (0, padding)), self.bias
        )
