"""The two lists that shape the API coverage report (benchmarks/api_coverage.py), kept apart from its
code so that a reader sees every judgement in one place.

``NON_API``: names that ``dir()`` shows in a PyTorch namespace but that are not part of its API:
typing helpers a module imported for its own annotations, flags and helpers of TorchScript and of
``__torch_function__`` dispatch, docstring fragments, re-exports of names counted in another
namespace. They are left out of every count. (Besides these, the report drops on rule: names that
begin with ``_``, submodules, and objects defined in ``typing``, ``typing_extensions``,
``collections``, ``functools``, ``weakref``, ``bisect`` or ``__future__``; see
``api_coverage.public_names``.)

``DELIBERATELY_LACKING``: real PyTorch API that tinynet does not offer on purpose, each with the
reason. Patterns are ``fnmatch`` patterns over the name. The report counts these names in its raw
figure (as missing, when tinynet lacks them) and leaves them out of its adjusted figure; both figures
are shown.
"""

from __future__ import annotations

# namespace -> {name: reason}
NON_API: dict[str, dict[str, str]] = {
    "torch": {
        "TYPE_CHECKING": "typing flag",
        "USE_GLOBAL_DEPS": "flag of PyTorch's shared-library loader",
        "USE_RTLD_GLOBAL_WITH_LIBTORCH": "flag of PyTorch's shared-library loader",
        "PRIVATE_OPS": "internal table of private operators",
        "has_lapack": "build information of the PyTorch binary",
        "has_mkl": "build information of the PyTorch binary",
        "has_openmp": "build information of the PyTorch binary",
        "has_spectral": "build information of the PyTorch binary",
        "compiled_with_cxx11_abi": "build information of the PyTorch binary",
        "classproperty": "internal decorator",
        "prepare_multiprocessing_environment": "internal hook of torch.multiprocessing",
    },
    "torch.Tensor": {},
    "torch.nn": {
        "factory_kwargs": "internal helper that builds device/dtype keyword arguments",
    },
    "torch.nn.functional": {
        "TYPE_CHECKING": "typing flag",
        "BroadcastingList1": "TorchScript annotation helper",
        "BroadcastingList2": "TorchScript annotation helper",
        "BroadcastingList3": "TorchScript annotation helper",
        "DType": "typing alias",
        "Tensor": "re-export of torch.Tensor (counted there)",
        "boolean_dispatch": "TorchScript helper that picks an overload",
        "handle_torch_function": "__torch_function__ dispatch helper",
        "has_torch_function": "__torch_function__ dispatch helper",
        "has_torch_function_unary": "__torch_function__ dispatch helper",
        "has_torch_function_variadic": "__torch_function__ dispatch helper",
        "assert_int_or_pair": "internal argument check",
        "reproducibility_notes": "docstring fragment",
        "sparse_support_notes": "docstring fragment",
        "tf32_notes": "docstring fragment",
        "GRID_SAMPLE_INTERPOLATION_MODES": "internal table of grid_sample's modes",
        "GRID_SAMPLE_PADDING_MODES": "internal table of grid_sample's modes",
    },
    "torch.optim": {},
    "torch.optim.lr_scheduler": {
        "TYPE_CHECKING": "typing flag",
        "EPOCH_DEPRECATION_WARNING": "text of a warning",
        "Optimizer": "re-export of torch.optim.Optimizer (counted there)",
        "Tensor": "re-export of torch.Tensor (counted there)",
        "inf": "re-export of math.inf",
    },
    "torch.utils.data": {},
}

SPARSE = "sparse tensors: tinynet's tensors are dense NumPy arrays"
QUANTIZED = "quantized tensors and quantization: tinynet computes in float and integer NumPy dtypes"
COMPLEX = "complex numbers: tinynet's dtypes are real"
DISTRIBUTED = "distributed and multi-device training: tinynet runs in one CPU process"
DEVICE = "CUDA/ROCm/oneDNN/other accelerator kernels and internals: tinynet runs on the CPU"
AUTOCAST = "mixed-precision autocast: tinynet computes in the dtype asked for"
JIT = "TorchScript/JIT internals: tinynet has no compiler"
COMPILE = "torch.compile, fx and symbolic-shape machinery: tinynet has no compiler"
STORAGE = "storages, raw pointers and stride-level views: a tinynet tensor is a NumPy array"
LAYOUT = "memory formats and layouts: a tinynet tensor is a NumPy array"
DTYPES = "dtypes NumPy has no arithmetic for (bfloat16, float8, float4, sub-byte integers)"
ATEN = "ATen-level operators behind nn.functional and autograd (use the nn.functional form)"
COPY_VARIANTS = "the *_copy variants of views, used by PyTorch's functionalization for compilers"
SIGNAL = "signal processing (FFT-based windows and transforms)"
REMOVED = "removed from PyTorch (calling it raises there) or a deprecated alias kept for old code"
DISPATCH = "dispatcher, profiler and benchmark internals"
DATAPIPES = "DataPipes (deprecated in PyTorch, moved to torchdata)"
LAZY = "lazy modules: tinynet creates parameters when the module is built"

# (namespace, fnmatch pattern, reason)
DELIBERATELY_LACKING: list[tuple[str, str, str]] = [
    # torch
    *[("torch", p, SPARSE) for p in (
        "sparse_*", "*spmm", "smm", "dsmm", "hsmm", "saddmm", "sspaddmm", "resize_as_sparse_",
        "ccol_indices_copy", "col_indices_copy", "crow_indices_copy", "row_indices_copy",
        "indices_copy", "values_copy")],
    *[("torch", p, QUANTIZED) for p in (
        "q_*", "qint*", "quint*", "qscheme", "quantize_*", "quantized_*", "dequantize",
        "int_repr", "fake_quantize_*", "fused_moving_avg_obs_fake_quant",
        "choose_qparams_optimized", "empty_quantized", "per_channel_*", "per_tensor_*", "bits*")],
    *[("torch", p, COMPLEX) for p in (
        "complex*", "cfloat", "cdouble", "chalf", "view_as_complex*", "view_as_real*", "polar",
        "conj", "conj_physical*", "resolve_conj", "is_conj", "angle", "real", "imag",
        "resolve_neg", "is_neg")],
    *[("torch", p, DISTRIBUTED) for p in ("is_distributed", "batch_norm_backward_*",
                                         "batch_norm_elemt", "batch_norm_gather_stats*",
                                         "batch_norm_stats", "batch_norm_update_stats")],
    *[("torch", p, DEVICE) for p in (
        "cudnn_*", "miopen_*", "mkldnn_*", "fbgemm_*", "Stream", "Event", "AcceleratorError",
        "get_device_module", "profiler_allow_cudagraph_*", "is_vulkan_available",
        "OutOfMemoryError", "set_flush_denormal")],
    *[("torch", p, AUTOCAST) for p in ("autocast*", "*_autocast_*", "GradScaler")],
    *[("torch", p, JIT) for p in (
        "AliasDb", "AnyType", "Argument", "ArgumentSpec", "AwaitType", "BoolType", "Block",
        "BufferDict", "CallStack", "Capsule", "ClassType", "Code", "CompilationUnit",
        "CompleteArgumentSpec", "ComplexType", "ConcreteModuleType*", "DeepCopyMemoTable",
        "DeviceObjType", "DictType", "EnumType", "ErrorReport", "ExecutionPlan", "FileCheck",
        "FloatType", "FunctionSchema", "Future", "FutureType", "Gradient", "Graph",
        "GraphExecutorState", "InferredType", "IntType", "InterfaceType", "JITException",
        "ListType", "LiteScriptModule", "LockingLogger", "LoggerBase", "ModuleDict", "Node",
        "NoneType", "NoopLogger", "NumberType", "OptionalType", "ParameterDict", "PyObjectType",
        "RRefType", "Script*", "StaticModule", "StreamObjType", "StringType", "TensorType",
        "TracingState", "TupleType", "Type", "UnionType", "Use", "Value", "AggregationType",
        "AVG", "SUM", "merge_type_from_type_comment", "parse_ir", "parse_schema",
        "parse_type_comment", "import_ir_module*", "unify_type_list", "fork", "wait")],
    *[("torch", p, COMPILE) for p in ("Sym*", "sym_*", "compile", "cond", "while_loop",
                                      "vmap")],
    *[("torch", p, STORAGE) for p in (
        "*Storage", "StorageBase", "TypedStorage", "UntypedStorage", "is_storage",
        "DeserializationStorageContext", "SerializationStorageContext", "PyTorchFileReader",
        "PyTorchFileWriter", "from_file", "get_file_path", "as_strided*", "empty_strided",
        "from_dlpack", "to_dlpack", "frombuffer")],
    *[("torch", p, LAYOUT) for p in (
        "memory_format", "channels_last*", "contiguous_format", "preserve_format",
        "legacy_contiguous_format", "layout", "strided", "jagged", "empty_permuted")],
    *[("torch", p, DTYPES) for p in ("bfloat16", "BFloat16Tensor", "float8_*", "float4_*",
                                     "int1", "int2", "int3", "int4", "int5", "int6", "int7",
                                     "uint1", "uint2", "uint3", "uint4", "uint5", "uint6",
                                     "uint7", "bit")],
    *[("torch", p, ATEN) for p in (
        "native_*", "gru", "gru_cell", "lstm", "lstm_cell", "rnn_relu*", "rnn_tanh*", "conv_tbc",
        "convolution", "constant_pad_nd", "affine_grid_generator", "grid_sampler*",
        "embedding_renorm_", "norm_except_dim", "frobenius_norm", "nuclear_norm",
        "feature_dropout*", "feature_alpha_dropout_", "alpha_dropout_", "dropout_",
        "segment_reduce", "hash_tensor", "rsub", "slice_inverse")],
    *[("torch", p, COPY_VARIANTS) for p in (
        "alias_copy", "detach_copy", "diagonal_copy", "expand_copy", "permute_copy",
        "select_copy", "slice_copy", "split_copy", "split_with_sizes_copy", "squeeze_copy",
        "t_copy", "transpose_copy", "unbind_copy", "unfold_copy", "unsqueeze_copy", "view_copy")],
    *[("torch", p, SIGNAL) for p in ("stft", "istft", "*_window")],
    *[("torch", p, REMOVED) for p in ("eig", "symeig", "lstsq", "solve", "matrix_rank",
                                      "chain_matmul", "set_default_tensor_type")],
    *[("torch", p, DISPATCH) for p in (
        "DispatchKey", "DispatchKeySet", "DisableTorchFunction*", "ExcludeDispatchKeyGuard",
        "Tag", "IODescriptor", "BenchmarkConfig", "BenchmarkExecutionStats",
        "ThroughputBenchmark", "FatalError", "OperatorInfo", "thread_safe_generator")],
    # torch.Tensor
    *[("torch.Tensor", p, SPARSE) for p in (
        "to_sparse*", "sparse_*", "coalesce", "is_coalesced", "indices", "values",
        "crow_indices", "col_indices", "ccol_indices", "row_indices", "dense_dim", "to_dense",
        "is_sparse*", "smm", "sspaddmm", "resize_as_sparse_")],
    *[("torch.Tensor", p, QUANTIZED) for p in ("q_*", "int_repr", "dequantize", "qscheme",
                                               "is_quantized")],
    *[("torch.Tensor", p, COMPLEX) for p in (
        "conj", "conj_physical*", "resolve_conj", "is_conj", "angle", "real", "imag", "cfloat",
        "cdouble", "chalf", "H", "mH", "adjoint", "resolve_neg", "is_neg")],
    *[("torch.Tensor", p, DEVICE) for p in (
        "xpu", "ipu", "mtia", "is_xpu", "is_ipu", "is_mtia", "is_maia", "is_vulkan", "is_xla",
        "is_mkldnn", "to_mkldnn", "is_meta", "record_stream")],
    *[("torch.Tensor", p, DISTRIBUTED) for p in ("is_distributed",)],
    *[("torch.Tensor", p, STORAGE) for p in (
        "storage", "untyped_storage", "storage_type", "storage_offset", "set_", "is_set_to",
        "data_ptr", "const_data_ptr", "share_memory_", "is_shared", "as_strided*",
        "new_empty_strided", "dim_order", "module_load", "output_nr", "stride",
        "is_nested", "to_padded_tensor")],
    *[("torch.Tensor", p, DTYPES) for p in ("bfloat16",)],
    *[("torch.Tensor", p, SIGNAL) for p in ("stft", "istft")],
    *[("torch.Tensor", p, REMOVED) for p in ("eig", "symeig", "lstsq", "solve", "volatile",
                                             "reinforce", "resize", "resize_as")],
    *[("torch.Tensor", p, ATEN) for p in ("hash_tensor", "slice_inverse", "grad_dtype")],
    # torch.nn
    ("torch.nn", "DataParallel", DISTRIBUTED),
    ("torch.nn", "SyncBatchNorm", DISTRIBUTED),
    ("torch.nn", "Lazy*", LAZY),
    ("torch.nn", "UninitializedParameter", LAZY),
    ("torch.nn", "UninitializedBuffer", LAZY),
    ("torch.nn", "Container", REMOVED),
    ("torch.nn", "NLLLoss2d", REMOVED),
    ("torch.nn", "CrossMapLRN2d", "a legacy layer kept from Lua Torch"),
    ("torch.nn", "LinearCrossEntropy*", "a fused kernel for large vocabularies (a prototype)"),
    # torch.nn.functional
    ("torch.nn.functional", "conv_tbc", "a legacy layout of convolution kept for old models"),
    ("torch.nn.functional", "native_channel_shuffle", ATEN),
    ("torch.nn.functional", "*scaled_mm", "low-precision GPU matrix products"),
    ("torch.nn.functional", "*grouped_mm", "low-precision GPU matrix products"),
    ("torch.nn.functional", "ScalingType", "low-precision GPU matrix products"),
    ("torch.nn.functional", "SwizzleType", "low-precision GPU matrix products"),
    ("torch.nn.functional", "linear_cross_entropy",
     "a fused kernel for large vocabularies (a prototype)"),
    # torch.optim
    ("torch.optim", "SparseAdam", SPARSE),
    ("torch.optim", "swap_in_optimizer_params_and_state",
     "a hook for optimizers over tensor subclasses (a prototype)"),
    # torch.utils.data
    ("torch.utils.data", "DistributedSampler", DISTRIBUTED),
    *[("torch.utils.data", p, DATAPIPES) for p in (
        "DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe", "functional_datapipe",
        "argument_validation", "runtime_validation", "runtime_validation_disabled",
        "guaranteed_datapipes_determinism", "non_deterministic")],
]

# Parameters of PyTorch's signatures that tinynet may leave out without the signature counting as
# different (the remaining parameters must still be PyTorch's, in PyTorch's order). Parameters whose
# name begins with "_" (``_stacklevel``) are PyTorch's private ones and are always left out.
TOLERATED_ABSENT_PARAMETERS: dict[str, str] = {
    "size_average": "deprecated in PyTorch's losses since 0.4 in favour of reduction",
    "reduce": "deprecated in PyTorch's losses since 0.4 in favour of reduction",
    "foreach": "selects PyTorch's multi-tensor CUDA kernels in its optimizers",
    "fused": "selects PyTorch's fused CUDA kernels in its optimizers",
    "capturable": "makes PyTorch's optimizers safe to capture in CUDA graphs",
    "differentiable": "lets autograd run through PyTorch's optimizer step (for meta-learning)",
}
