"""Each optimizer's update rule written out by hand, in plain float64 NumPy, and the small
problem the tests run them on.

Textbook forms, deliberately not the implementation's code: ``rule(theta, grad, state, **hp)``
returns the new theta; ``state`` starts as an empty dict and the rule fills it.
"""

import numpy as np

THETA0 = np.array([[1.0, -2.0, 0.3], [-0.7, 0.9, 1.2]])
TARGET = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
CURVATURE = np.array([[1.0, 2.0, 0.5], [3.0, 1.5, 0.8]])


def toy_grad(theta):
    """The gradient of a small non-quadratic problem: Σ c·(θ − t)²/2 + 0.3·θ⁴/4."""
    return CURVATURE * (theta - TARGET) + 0.3 * theta**3


def run_rule(rule, hyperparameters, steps, theta=THETA0):
    """The parameter after each of ``steps`` steps of ``rule`` on the toy problem."""
    theta, state, trajectory = theta.copy(), {}, []
    for _ in range(steps):
        theta = rule(theta, toy_grad(theta), state, **hyperparameters)
        trajectory.append(theta)
    return np.array(trajectory)


def sgd(
    theta,
    grad,
    state,
    lr=1e-3,
    momentum=0.0,
    dampening=0.0,
    weight_decay=0.0,
    nesterov=False,
    maximize=False,
):
    g = -grad if maximize else grad
    g = g + weight_decay * theta
    if momentum:
        if "buffer" not in state:
            state["buffer"] = g
        else:
            state["buffer"] = momentum * state["buffer"] + (1 - dampening) * g
        g = g + momentum * state["buffer"] if nesterov else state["buffer"]
    return theta - lr * g


def adagrad(
    theta,
    grad,
    state,
    lr=1e-2,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
    maximize=False,
):
    g = (-grad if maximize else grad) + weight_decay * theta
    t = state["t"] = state.get("t", 0) + 1
    state["sum"] = state.get("sum", np.full_like(theta, initial_accumulator_value)) + g**2
    return theta - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(state["sum"]) + eps)


def adadelta(theta, grad, state, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    g = (-grad if maximize else grad) + weight_decay * theta
    v = state["v"] = rho * state.get("v", 0.0) + (1 - rho) * g**2
    delta = np.sqrt(state.get("u", 0.0) + eps) / np.sqrt(v + eps) * g
    state["u"] = rho * state.get("u", 0.0) + (1 - rho) * delta**2
    return theta - lr * delta


def rmsprop(
    theta,
    grad,
    state,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
    maximize=False,
):
    g = (-grad if maximize else grad) + weight_decay * theta
    v = state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g**2
    if centered:
        mean = state["mean"] = alpha * state.get("mean", 0.0) + (1 - alpha) * g
        denominator = np.sqrt(v - mean**2) + eps
    else:
        denominator = np.sqrt(v) + eps
    if momentum > 0:
        state["b"] = momentum * state.get("b", 0.0) + g / denominator
        return theta - lr * state["b"]
    return theta - lr * g / denominator


def adam(
    theta,
    grad,
    state,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled_weight_decay=False,
):
    beta1, beta2 = betas
    g = -grad if maximize else grad
    if decoupled_weight_decay:
        theta = theta * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * theta
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g**2
    if amsgrad:
        v = state["v_max"] = np.maximum(state.get("v_max", 0.0), v)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


def adamw(theta, grad, state, weight_decay=1e-2, **hyperparameters):
    return adam(
        theta,
        grad,
        state,
        weight_decay=weight_decay,
        decoupled_weight_decay=True,
        **hyperparameters,
    )


def nadam(
    theta,
    grad,
    state,
    lr=2e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    momentum_decay=4e-3,
    decoupled_weight_decay=False,
    maximize=False,
):
    beta1, beta2 = betas
    g = -grad if maximize else grad
    if decoupled_weight_decay:
        theta = theta * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * theta
    t = state["t"] = state.get("t", 0) + 1

    def mu(step):
        return beta1 * (1 - 0.5 * 0.96 ** (step * momentum_decay))

    product = state["product"] = state.get("product", 1.0) * mu(t)
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g**2
    denominator = np.sqrt(v / (1 - beta2**t)) + eps
    return (
        theta
        - lr * (1 - mu(t)) / (1 - product) * g / denominator
        - lr * mu(t + 1) / (1 - product * mu(t + 1)) * m / denominator
    )
