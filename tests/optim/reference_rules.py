"""Each optimizer's update rule written out by hand, in plain float64 NumPy, for the tests.

Textbook forms, deliberately not the implementation's code: ``step(theta, grad, state, **hp)``
returns the new theta; ``state`` starts as an empty dict and the rule fills it.
"""

import numpy as np


def sgd(theta, grad, state, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
        nesterov=False, maximize=False):
    g = -grad if maximize else grad
    g = g + weight_decay * theta
    if momentum:
        if "buffer" not in state:
            state["buffer"] = g
        else:
            state["buffer"] = momentum * state["buffer"] + (1 - dampening) * g
        g = g + momentum * state["buffer"] if nesterov else state["buffer"]
    return theta - lr * g


def adagrad(theta, grad, state, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
            initial_accumulator_value=0.0, eps=1e-10, maximize=False):
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


def rmsprop(theta, grad, state, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
            centered=False, maximize=False):
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


def adam(theta, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
         amsgrad=False, maximize=False, decoupled_weight_decay=False):
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
    return adam(theta, grad, state, weight_decay=weight_decay, decoupled_weight_decay=True,
                **hyperparameters)


def nadam(theta, grad, state, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
          momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):
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
    return (theta
            - lr * (1 - mu(t)) / (1 - product) * g / denominator
            - lr * mu(t + 1) / (1 - product * mu(t + 1)) * m / denominator)
