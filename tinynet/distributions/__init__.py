"""Probability distributions with PyTorch's ``torch.distributions`` API, built from tinynet's
differentiable ops: what policy-gradient code uses to sample actions and score them.

    dist = tinynet.distributions.Categorical(logits=policy(obs))
    action = dist.sample()
    loss = -(dist.log_prob(action) * advantage).mean() - 0.01 * dist.entropy().mean()

``Categorical`` (``probs`` or ``logits``), ``Bernoulli`` (``probs`` or ``logits``) and
``Normal`` (with ``rsample``, the reparameterisation trick) share ``Distribution``'s shapes
(``batch_shape``, ``event_shape``), ``sample(sample_shape)`` and argument validation. Samples
use tinynet's default generator (``tinynet.manual_seed``).
"""

from tinynet.distributions.bernoulli import Bernoulli
from tinynet.distributions.categorical import Categorical
from tinynet.distributions.distribution import Distribution
from tinynet.distributions.normal import Normal

__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal"]
