"""Cases of the peephole LSTM (nn.PeepholeLSTMCell, nn.PeepholeLSTM): the input, the initial
(h, c) and every parameter, the peephole weights included, are differentiated through every
time step, layer and direction."""

from __future__ import annotations

from tinynet import nn
from tinynet.gradcheck_cases.recurrent import recurrent

PEEPHOLE_CASES = [
    recurrent("PeepholeLSTMCell", lambda: nn.PeepholeLSTMCell(2, 2), (2, 2), [(2, 2), (2, 2)],
              paired=True),
    recurrent("PeepholeLSTMCell_unbatched_no_bias",
              lambda: nn.PeepholeLSTMCell(2, 3, bias=False), (2,), [(3,), (3,)], paired=True),
    recurrent("PeepholeLSTM_two_layers", lambda: nn.PeepholeLSTM(2, 2, num_layers=2), (3, 1, 2),
              [(2, 1, 2), (2, 1, 2)], paired=True),
    recurrent("PeepholeLSTM_bidirectional_batch_first",
              lambda: nn.PeepholeLSTM(1, 1, bidirectional=True, batch_first=True), (1, 2, 1),
              [(2, 1, 1), (2, 1, 1)], paired=True),
]
