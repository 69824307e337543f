"""Short PyTorch programs run on tinynet with nothing changed but the import (``import tinynet as
torch``): the everyday API that PyTorch's documentation and tutorials teach, used the way they use
it (device selection, datasets and loaders, modules, losses, optimizers, autograd, saving). Each
program is written here from PyTorch's documentation, on small synthetic data, and checks what the
documentation says the code does (the loss falls, the gradient has its known value, what is saved
loads back)."""

import copy
import io
import math

import numpy as np
import pytest

import tinynet as torch

nn = torch.nn
F = torch.nn.functional


def fashion_like(n=128, seed=0):
    """Images shaped like FashionMNIST's (n, 1, 28, 28), float32 in [0, 1), with 10 labels that a
    linear model can learn: label k brightens the k-th band of 70 pixels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = 0.5 * rng.random((n, 784), dtype=np.float32)
    for i, label in enumerate(labels):
        images[i, 70 * label:70 * (label + 1)] += 0.5
    return torch.from_numpy(images.reshape(n, 1, 28, 28)), torch.from_numpy(labels)


def test_quickstart_style_training_loop_with_a_device_a_loader_and_saving():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    assert device == "cpu"
    torch.manual_seed(0)
    images, labels = fashion_like()
    train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels),
                                               batch_size=32, shuffle=True)

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.stack = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10))

        def forward(self, x):
            return self.stack(self.flatten(x))

    model = Classifier().to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2)

    def evaluate():
        model.eval()
        correct, total_loss = 0.0, 0.0
        with torch.no_grad():
            for X, y in train_loader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                total_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        return total_loss / len(train_loader), correct / len(train_loader.dataset)

    before, _ = evaluate()
    for _ in range(6):
        model.train()
        for X, y in train_loader:
            X, y = X.to(device), y.to(device)
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        line = f"loss: {loss:>7f}"
    after, accuracy = evaluate()
    assert after < 0.5 * before and accuracy > 0.8
    assert line.startswith("loss: ") and float(line[6:]) == pytest.approx(loss.item(), abs=1e-6)

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    restored = Classifier()
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    restored.eval()
    with torch.no_grad():
        x = images[:3]
        np.testing.assert_array_equal(restored(x).numpy(), model(x).numpy())
        assert isinstance(restored(x)[0].argmax(0).item(), int)


def test_tensor_basics_creation_attributes_operations_and_the_numpy_bridge():
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    x_np = torch.from_numpy(np.array(data))
    assert x_data.dtype == torch.int64 and x_np.dtype == torch.int64
    np.testing.assert_array_equal(x_data.numpy(), x_np.numpy())
    x_ones = torch.ones_like(x_data)
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    assert x_ones.dtype == torch.int64 and x_rand.dtype == torch.float32
    tensor = torch.rand(3, 4)
    assert tuple(tensor.shape) == (3, 4) and tensor.shape == torch.Size([3, 4])
    assert str(tensor.device) == "cpu" and tensor.dtype == torch.float32

    tensor = torch.ones(4, 4)
    tensor[:, 1] = 0
    assert torch.cat([tensor, tensor, tensor], dim=1).shape == (4, 12)
    y1 = tensor @ tensor.T
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    np.testing.assert_array_equal(y3.numpy(), tensor.matmul(tensor.T).numpy())
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    np.testing.assert_array_equal(z3.numpy(), (tensor * tensor).numpy())
    agg = tensor.sum()
    assert agg.item() == 12.0 and isinstance(agg.item(), float)
    tensor.add_(5)
    assert tensor[0, 0].item() == 6.0

    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    assert n[0] == 2.0                      # the array shares the tensor's memory
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    assert t[0].item() == 2.0               # and the tensor shares the array's


def test_blitz_style_tensors_new_ones_view_and_to_with_a_dtype():
    x = torch.zeros(5, 3, dtype=torch.long)
    assert x.dtype == torch.long
    x = x.new_ones(5, 3, dtype=torch.double)
    assert x.dtype == torch.float64 and x.size() == torch.Size([5, 3])
    x = torch.randn_like(x, dtype=torch.float)
    y = torch.rand(5, 3)
    result = torch.empty(5, 3)
    torch.add(x, y, out=result)
    np.testing.assert_allclose(result.numpy(), (x + y).numpy())
    x = torch.randn(4, 4)
    assert x.view(16).size() == (16,) and x.view(-1, 8).size() == (2, 8)
    device = torch.device("cpu")
    z = torch.ones_like(x, device=device).to("cpu", torch.double)
    assert z.dtype == torch.float64 and z.device == device


def test_autograd_gradients_vector_jacobian_products_and_detaching():
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 4.5))

    a = torch.randn(2, 2)
    assert not a.requires_grad
    a.requires_grad_(True)
    assert (a * a).sum().grad_fn is not None

    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.numpy().copy()
    out.backward(torch.ones_like(out), retain_graph=True)
    np.testing.assert_allclose(inp.grad.numpy(), 2 * first)   # gradients accumulate
    inp.grad.zero_()
    assert inp.grad.sum().item() == 0.0

    w = torch.randn(5, 3, requires_grad=True)
    z = torch.matmul(torch.ones(5), w)
    assert z.requires_grad and not z.detach().requires_grad
    with torch.no_grad():
        assert not torch.matmul(torch.ones(5), w).requires_grad
    v = torch.randn(3, requires_grad=True)
    y = v * 2
    while y.data.norm() < 1000:
        y = y * 2
    y.backward(torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float))
    assert v.grad.shape == (3,)


def test_polynomial_fit_with_autograd_and_no_grad_updates():
    torch.manual_seed(0)
    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 200, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.randn((), dtype=dtype, requires_grad=True) for _ in range(4))
    learning_rate = 1e-5

    def loss_now():
        return (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()

    start = loss_now().item()
    for _ in range(200):
        loss = loss_now()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    assert loss_now().item() < 0.1 * start
    assert isinstance(f"y = {a.item()} + {b.item()} x", str)


def test_polynomial_fit_with_nn_sequential_and_an_optimizer():
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 200)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    assert xx.shape == (200, 3)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-2)
    first = loss_fn(model(xx), y).item()
    for _ in range(100):
        loss = loss_fn(model(xx), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.5 * first
    linear_layer = model[0]
    assert isinstance(linear_layer.weight[:, 0].item(), float)
    assert isinstance(linear_layer.bias.item(), float)


def test_a_custom_autograd_function_with_save_for_backward():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input ** 3

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 3 * input ** 2

    x = torch.tensor([1.0, 2.0, -1.5], requires_grad=True)
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([1.0, 2.0, -1.5]) ** 2, rtol=1e-6)


def test_a_module_with_parameters_and_a_custom_method():
    class Cubic(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x ** 3

        def string(self):
            return f"y = {self.a.item():.2f} + {self.b.item():.2f} x^3"

    model = Cubic()
    assert [name for name, _ in model.named_parameters()] == ["a", "b"]
    x = torch.linspace(-1, 1, 50)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    for _ in range(100):
        loss = criterion(model(x), 2 * x ** 3 + 0.5)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert model.a.item() == pytest.approx(0.5, abs=0.05)
    assert model.b.item() == pytest.approx(2.0, abs=0.1)
    assert model.string().startswith("y = ")


def test_nn_tutorial_style_refactoring_from_raw_tensors_to_modules_and_loaders():
    torch.manual_seed(0)
    images, labels = fashion_like(n=128)
    x_train, y_train = images.view(-1, 784), labels
    weights = torch.randn(784, 10) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    def accuracy(out, yb):
        return (torch.argmax(out, dim=1) == yb).float().mean()

    preds = log_softmax(x_train[:64] @ weights + bias)
    by_hand = nll(preds, y_train[:64])
    builtin = F.cross_entropy(x_train[:64] @ weights + bias, y_train[:64])
    assert by_hand.item() == pytest.approx(builtin.item(), rel=1e-5)
    by_hand.backward()
    with torch.no_grad():
        weights -= weights.grad * 0.5
        bias -= bias.grad * 0.5
        weights.grad.zero_()
        bias.grad.zero_()

    class Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(784, 10)

        def forward(self, xb):
            return self.lin(xb)

    train_dl = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_train, y_train),
                                           batch_size=32, shuffle=True)
    model = Logistic()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    start = F.cross_entropy(model(x_train), y_train).item()
    for _ in range(5):
        model.train()
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        with torch.no_grad():
            valid = sum(F.cross_entropy(model(xb), yb) for xb, yb in train_dl) / len(train_dl)
    assert valid.item() < start
    assert 0.0 <= accuracy(model(x_train), y_train).item() <= 1.0

    class Lambda(nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    cnn = nn.Sequential(
        Lambda(lambda x: x.view(-1, 1, 28, 28)),
        nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(8, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    ).to(dev)
    opt = torch.optim.SGD(cnn.parameters(), lr=0.1, momentum=0.9)
    xb, yb = next(iter(train_dl))
    loss = F.cross_entropy(cnn(xb.to(dev)), yb.to(dev))
    loss.backward()
    opt.step()
    assert cnn(xb).shape == (xb.shape[0], 10)
    pooled = F.avg_pool2d(torch.rand(2, 10, 4, 4), 4)
    assert pooled.shape == (2, 10, 1, 1)


def test_lenet_style_network_and_the_loss_graph_names():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            return self.fc2(F.relu(self.fc1(x)))

    net = Net()
    params = list(net.parameters())
    assert len(params) == 8 and params[0].size() == (6, 1, 5, 5)
    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    net.zero_grad()
    out.backward(torch.randn(1, 10))
    assert net.conv1.bias.grad is not None
    target = torch.randn(10).view(1, -1)
    loss = nn.MSELoss()(net(input), target)
    assert repr(loss.grad_fn).startswith("<MseLossBackward")   # one node, as PyTorch prints it
    linear_node = loss.grad_fn.next_functions[0][0]       # the last layer's node
    assert "Backward" in repr(linear_node) and linear_node.next_functions
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def test_a_custom_dataset_a_loader_and_an_embedding_model():
    class Pairs(torch.utils.data.Dataset):
        def __init__(self, n):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, idx):
            if torch.is_tensor(idx):
                idx = idx.tolist()
            return torch.tensor([idx % 7, (idx + 1) % 7]), (idx + 2) % 7

    loader = torch.utils.data.DataLoader(Pairs(70), batch_size=10, shuffle=True)
    contexts, targets = next(iter(loader))
    assert contexts.shape == (10, 2) and targets.dtype == torch.int64

    class NGram(nn.Module):
        def __init__(self):
            super().__init__()
            self.embeddings = nn.Embedding(7, 8)
            self.linear = nn.Linear(16, 7)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).view((inputs.shape[0], -1))
            return F.log_softmax(self.linear(embeds), dim=1)

    torch.manual_seed(0)
    model = NGram()
    loss_function = nn.NLLLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    first = None
    for _ in range(5):
        for contexts, targets in loader:
            model.zero_grad()
            loss = loss_function(model(contexts), targets)
            loss.backward()
            optimizer.step()
            first = loss.item() if first is None else first
    assert loss.item() < first
    lookup = torch.LongTensor([3])
    assert model.embeddings(lookup).shape == (1, 8)


def test_transfer_learning_style_freezing_parameter_groups_and_a_scheduler():
    torch.manual_seed(0)
    backbone = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
    model = nn.Sequential(backbone, nn.Linear(16, 3))
    for param in backbone.parameters():
        param.requires_grad = False
    frozen = copy.deepcopy(backbone.state_dict())
    optimizer = torch.optim.SGD([{"params": model[1].parameters(), "lr": 1e-2}], momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    criterion = nn.CrossEntropyLoss()
    inputs, labels = torch.randn(12, 8), torch.randint(0, 3, (12,))
    for phase in ["train", "val", "train", "val"]:
        model.train() if phase == "train" else model.eval()
        with torch.set_grad_enabled(phase == "train"):
            outputs = model(inputs)
            _, preds = torch.max(outputs, 1)
            loss = criterion(outputs, labels)
            if phase == "train":
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
        corrects = torch.sum(preds == labels.data)
        assert 0.0 <= corrects.double().item() / 12 <= 1.0
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1e-3)
    for key, value in backbone.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), frozen[key].numpy())


def test_printing_a_tensor_and_formatting_a_scalar_as_pytorch_does():
    assert repr(torch.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert f"{torch.tensor(0.123456):.4f}" == "0.1235"
    assert str(torch.zeros(2, dtype=torch.long)) == "tensor([0, 0])"
