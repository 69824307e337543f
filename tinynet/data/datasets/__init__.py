"""Datasets that need no download (generated, or bundled with an installed package) and the IDX
loader for MNIST / Fashion-MNIST. Each class documents the shape and dtype of its samples."""

from tinynet.data.datasets.base import ArrayDataset, data_home
from tinynet.data.datasets.digits import Digits, load_digits_arrays
from tinynet.data.datasets.idx import (MNIST, ChecksumError, FashionMNIST, download_file,
                                       read_idx, write_idx)
from tinynet.data.datasets.mnist1d import MNIST1D, load_mnist1d_arrays
from tinynet.data.datasets.registry import DATASETS, get_dataset
from tinynet.data.datasets.synthetic import (DigitSequences, Moons, SineSequences, Spirals,
                                             make_digit_sequences, make_moons,
                                             make_sine_sequences, make_spirals)

__all__ = [
    "DATASETS", "MNIST", "MNIST1D", "ArrayDataset", "ChecksumError", "DigitSequences", "Digits",
    "FashionMNIST", "Moons", "SineSequences", "Spirals", "data_home", "download_file",
    "get_dataset", "load_digits_arrays", "load_mnist1d_arrays", "make_digit_sequences",
    "make_moons", "make_sine_sequences", "make_spirals", "read_idx", "write_idx",
]

# Sequence data: names by country, long-range synthetic tasks, text corpora
from tinynet.data.datasets.names import NamesByCountry, build_names_table, load_names
from tinynet.data.datasets.sequence_tasks import (AddingProblem, CopyTask, adding_problem,
                                                  copy_task)
from tinynet.data.datasets.text_corpus import (batchify, bptt_chunks, read_text_file,
                                               split_text, stdlib_docstrings)

__all__ += ["AddingProblem", "CopyTask", "NamesByCountry", "adding_problem", "batchify",
            "bptt_chunks", "build_names_table", "copy_task", "load_names", "read_text_file",
            "split_text", "stdlib_docstrings"]

# Sequence-to-sequence tasks: dates, addition, reversal, sorting
from tinynet.data.datasets.seq2seq_tasks import (  # noqa: E402
    DATE_FORMATS,
    Seq2SeqTask,
    addition_pairs,
    date_pairs,
    make_task,
    reversal_pairs,
    sorting_pairs,
)

__all__ += ["DATE_FORMATS", "Seq2SeqTask", "addition_pairs", "date_pairs", "make_task",
            "reversal_pairs", "sorting_pairs"]
