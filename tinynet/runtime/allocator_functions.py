"""The C functions of tinynet's allocator (``runtime.allocator``), compiled by Numba: NumPy's
handler functions (malloc, calloc, realloc, free over a table of kept blocks) and the table
operation Python calls. The C library's own functions are called through addresses kept in the
table, so no address of one process is compiled in and the code is cached on disk. Imported
only when the allocator is first installed.
"""

import numpy as np
from llvmlite import ir
from numba import carray, cfunc, njit, types
from numba.extending import intrinsic

from tinynet.runtime.allocator import (CALLOC, FIELDS, FREE, HEADER, HITS, KEPT, KEPT_BYTES, LIMIT,
                                      MALLOC, MEMSET, MIN_BYTES, MISSES, REALLOC, SLOTS,
                                      STATE_LENGTH)


i8p, i32, i64 = ir.IntType(8).as_pointer(), ir.IntType(32), ir.IntType(64)


def c_call(result, arguments, numba_signature):
    """An intrinsic ``f(function_address, *args)`` calling the C function at that address,
    of C type ``result(*arguments)`` (llvmlite types; void* passed and returned as int64)."""
    def codegen(context, builder, signature, values):
        function_type = ir.FunctionType(result or ir.VoidType(), arguments)
        target = builder.inttoptr(values[0], function_type.as_pointer())
        converted = [builder.inttoptr(value, kind) if kind == i8p else value
                     for value, kind in zip(values[1:], arguments)]
        returned = builder.call(target, converted)
        if result is None:
            return context.get_dummy_value()
        return builder.ptrtoint(returned, i64) if result == i8p else returned

    typers = {1: lambda typingctx, function, a: (numba_signature, codegen),
              2: lambda typingctx, function, a, b: (numba_signature, codegen),
              3: lambda typingctx, function, a, b, c: (numba_signature, codegen)}
    return intrinsic(typers[len(arguments)])


word = types.int64
c_malloc = c_call(i8p, [i64], word(word, word))
c_calloc = c_call(i8p, [i64, i64], word(word, word, word))
c_realloc = c_call(i8p, [i8p, i64], word(word, word, word))
c_free = c_call(None, [i8p], types.none(word, word))
c_memset = c_call(i8p, [i8p, i32, i64], word(word, word, types.int32, word))


@intrinsic
def address_of(typingctx, pointer):
    """A void* as an integer."""
    def codegen(context, builder, signature, args):
        return builder.ptrtoint(args[0], i64)
    return word(types.voidptr), codegen


@intrinsic
def pointer_at(typingctx, address):
    """An integer as a void*."""
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], i8p)
    return types.voidptr(word), codegen


@intrinsic
def load(typingctx, address):
    """The int64 stored at an address."""
    def codegen(context, builder, signature, args):
        return builder.load(builder.inttoptr(args[0], i64.as_pointer()))
    return word(word), codegen


@intrinsic
def store(typingctx, address, value):
    """Store an int64 at an address."""
    def codegen(context, builder, signature, args):
        builder.store(args[1], builder.inttoptr(args[0], i64.as_pointer()))
        return context.get_dummy_value()
    return types.none(word, word), codegen


jit = njit(inline="always", cache=True)


@jit
def size_class(size):
    """``size`` rounded up to a multiple of a power of two at most 1/16 of it (4096 at least),
    for blocks of MIN_BYTES or more; smaller sizes unchanged."""
    if size < MIN_BYTES:
        return size
    step = 4096
    while step * 16 <= size:
        step *= 2
    return (size + step - 1) // step * step


@jit
def remove(table, index):
    """Drop entry ``index`` of the table, keeping the others in order."""
    kept = table[KEPT]
    for j in range(index, kept - 1):
        table[FIELDS + j] = table[FIELDS + j + 1]
        table[FIELDS + SLOTS + j] = table[FIELDS + SLOTS + j + 1]
    table[KEPT] = kept - 1


@jit
def take(table, size):
    """The address of the kept block freed last among those of class ``size`` up to 1.5 times
    it, or 0."""
    for index in range(table[KEPT] - 1, -1, -1):
        kept_size = table[FIELDS + index]
        if size <= kept_size <= size + size // 2:
            block = table[FIELDS + SLOTS + index]
            table[KEPT_BYTES] -= kept_size
            remove(table, index)
            table[HITS] += 1
            return block
    table[MISSES] += 1
    return 0


@jit
def release_oldest(table):
    """Give the block kept longest back to the C library."""
    c_free(table[FREE], table[FIELDS + SLOTS])
    table[KEPT_BYTES] -= table[FIELDS]
    remove(table, 0)


@jit
def new_block(table, size, zeroed):
    """The address of a block's data for ``size`` bytes: a kept block, else a new one."""
    size = size_class(size)
    block = take(table, size) if size >= MIN_BYTES else 0
    if block != 0:  # its header keeps its own class
        return block + HEADER
    if zeroed:
        block = c_calloc(table[CALLOC], 1, HEADER + size)
    else:
        block = c_malloc(table[MALLOC], HEADER + size)
    if block == 0:
        return 0
    store(block, size)
    return block + HEADER


@cfunc(types.voidptr(types.voidptr, types.uintp), cache=True)
def handler_malloc(context, size):
    """NumPy's malloc: ``size`` bytes, from a kept block when one of its class is free."""
    table = carray(context, (STATE_LENGTH,), np.int64)
    return pointer_at(new_block(table, np.int64(size), False))


@cfunc(types.voidptr(types.voidptr, types.uintp, types.uintp), cache=True)
def handler_calloc(context, count, item_size):
    """NumPy's calloc: ``count * item_size`` zeroed bytes (a kept block is zeroed here)."""
    table = carray(context, (STATE_LENGTH,), np.int64)
    if item_size != 0 and count > (1 << 62) // item_size:
        return pointer_at(0)
    size = np.int64(count * item_size)
    block = size_class(size)
    if block >= MIN_BYTES and table[KEPT] > 0:
        data = new_block(table, size, False)
        if data != 0:
            c_memset(table[MEMSET], data, np.int32(0), size)
        return pointer_at(data)
    return pointer_at(new_block(table, size, True))


@cfunc(types.voidptr(types.voidptr, types.voidptr, types.uintp), cache=True)
def handler_realloc(context, data, size):
    """NumPy's realloc: the block resized by the C library, its header updated."""
    table = carray(context, (STATE_LENGTH,), np.int64)
    if address_of(data) == 0:
        return pointer_at(new_block(table, np.int64(size), False))
    block_size = size_class(np.int64(size))
    block = c_realloc(table[REALLOC], address_of(data) - HEADER, HEADER + block_size)
    if block == 0:
        return pointer_at(0)
    store(block, block_size)
    return pointer_at(block + HEADER)


@cfunc(types.void(types.voidptr, types.voidptr, types.uintp), cache=True)
def handler_free(context, data, size):
    """NumPy's free: keep the block for reuse (dropping the oldest kept ones to stay within the
    limit and the table), or give it back to the C library if it is small or over the limit.
    The block's size comes from its header, not from ``size``."""
    table = carray(context, (STATE_LENGTH,), np.int64)
    if address_of(data) == 0:
        return
    block = address_of(data) - HEADER
    block_size = load(block)
    if block_size < MIN_BYTES or block_size > table[LIMIT]:
        c_free(table[FREE], block)
        return
    while table[KEPT] > 0 and (table[KEPT] == SLOTS
                               or table[KEPT_BYTES] + block_size > table[LIMIT]):
        release_oldest(table)
    kept = table[KEPT]
    table[FIELDS + kept] = block_size
    table[FIELDS + SLOTS + kept] = block
    table[KEPT] = kept + 1
    table[KEPT_BYTES] += block_size


@njit(cache=True)
def shrink_to(table, limit):
    """Release kept blocks, oldest first, until they total at most ``limit`` bytes."""
    table[LIMIT] = limit
    while table[KEPT] > 0 and table[KEPT_BYTES] > limit:
        release_oldest(table)
