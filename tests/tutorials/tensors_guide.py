"""TensorFlow's "Introduction to Tensors" guide (tensorflow.org/guide/tensor), the cells on
dense tensors, with only the import line changed: constants of rank 0 to 3, conversion to
NumPy, element-wise and matrix arithmetic, reductions, shapes and dtypes, indexing,
reshaping, casting and broadcasting. The guide's ragged, string and sparse tensors and
tf.Variable are outside glassnet's subset (the test checks they say so)."""

import numpy as np

from glassnet import tf  # was: import tensorflow as tf

# -- Basics: rank 0, 1, 2, 3 -------------------------------------------------------------
rank_0_tensor = tf.constant(4)
print(rank_0_tensor)
rank_1_tensor = tf.constant([2.0, 3.0, 4.0])
print(rank_1_tensor)
rank_2_tensor = tf.constant([[1, 2],
                             [3, 4],
                             [5, 6]], dtype=tf.float16)
print(rank_2_tensor)
rank_3_tensor = tf.constant([
    [[0, 1, 2, 3, 4],
     [5, 6, 7, 8, 9]],
    [[10, 11, 12, 13, 14],
     [15, 16, 17, 18, 19]],
    [[20, 21, 22, 23, 24],
     [25, 26, 27, 28, 29]], ])
print(rank_3_tensor)

rank_0_dtype = str(rank_0_tensor.dtype.name)
rank_1_dtype = str(rank_1_tensor.dtype.name)
rank_2_dtype = str(rank_2_tensor.dtype.name)
rank_2_numpy = np.array(rank_2_tensor)
rank_2_numpy_again = rank_2_tensor.numpy()

# -- Arithmetic ---------------------------------------------------------------------------
a = tf.constant([[1, 2],
                 [3, 4]])
b = tf.constant([[1, 1],
                 [1, 1]])  # Could have also said `tf.ones([2,2], dtype=tf.int32)`

added = tf.add(a, b).numpy()
multiplied = tf.multiply(a, b).numpy()
matmul = tf.matmul(a, b).numpy()
added_op = (a + b).numpy()
multiplied_op = (a * b).numpy()
matmul_op = (a @ b).numpy()

c = tf.constant([[4.0, 5.0], [10.0, 1.0]])
largest = float(tf.reduce_max(c))
largest_index = tf.math.argmax(c).numpy()
softmaxed = tf.nn.softmax(c).numpy()
converted_sum = float(tf.convert_to_tensor([1, 2, 3]).numpy().sum())
reduce_max_list = int(tf.reduce_max([1, 2, 3]))
reduce_max_array = float(tf.reduce_max(np.array([1, 2, 3], dtype=np.float32)))

# -- About shapes -------------------------------------------------------------------------
rank_4_tensor = tf.zeros([3, 2, 4, 5])
print("Type of every element:", rank_4_tensor.dtype)
print("Number of axes:", rank_4_tensor.ndim)
print("Shape of tensor:", rank_4_tensor.shape)
print("Elements along axis 0 of tensor:", rank_4_tensor.shape[0])
print("Elements along the last axis of tensor:", rank_4_tensor.shape[-1])
print("Total number of elements (3*2*4*5): ", tf.size(rank_4_tensor).numpy())
rank_4_ndim = rank_4_tensor.ndim
rank_4_shape = list(rank_4_tensor.shape)
rank_4_size = int(tf.size(rank_4_tensor).numpy())
rank_4_tf_rank = int(tf.rank(rank_4_tensor))
rank_4_tf_shape = tf.shape(rank_4_tensor).numpy()
rank_4_shape_as_list = rank_4_tensor.shape.as_list()

# -- Indexing -----------------------------------------------------------------------------
rank_1_tensor = tf.constant([0, 1, 1, 2, 3, 5, 8, 13, 21, 34])
first = rank_1_tensor[0].numpy()
last = rank_1_tensor[-1].numpy()
everything = rank_1_tensor[:].numpy()
before_4 = rank_1_tensor[:4].numpy()
from_4 = rank_1_tensor[4:].numpy()
from_2_before_7 = rank_1_tensor[2:7].numpy()
every_other = rank_1_tensor[::2].numpy()
reversed_ = rank_1_tensor[::-1].numpy()

rank_2_tensor = tf.constant([[1, 2], [3, 4], [5, 6]], dtype=tf.float16)
item_1_1 = float(rank_2_tensor[1, 1].numpy())
second_row = rank_2_tensor[1, :].numpy()
second_column = rank_2_tensor[:, 1].numpy()
last_row = rank_2_tensor[-1, :].numpy()
first_item_last_column = float(rank_2_tensor[0, -1].numpy())
skip_first_row = rank_2_tensor[1:, :].numpy()
rank_3_slice = rank_3_tensor[:, :, 4].numpy()

# -- Manipulating shapes ------------------------------------------------------------------
x = tf.constant([[1], [2], [3]])
x_shape = x.shape.as_list()
reshaped = tf.reshape(x, [1, 3])
reshaped_shape = list(reshaped.shape)
flat = tf.reshape(rank_3_tensor, [-1]).numpy()
merged_last = tf.reshape(rank_3_tensor, [3 * 2, 5]).numpy()
merged_first = tf.reshape(rank_3_tensor, [3, -1]).numpy()
try:
    tf.reshape(rank_3_tensor, [7, -1])
    bad_reshape = "no error"
except Exception as e:  # the guide prints the error's type and message
    bad_reshape = type(e).__name__
    print(f"{type(e).__name__}: {e}")

# -- More on DTypes -----------------------------------------------------------------------
the_f64_tensor = tf.constant([2.2, 3.3, 4.4], dtype=tf.float64)
the_f16_tensor = tf.cast(the_f64_tensor, dtype=tf.float16)
the_u8_tensor = tf.cast(the_f16_tensor, dtype=tf.uint8)
u8_values = the_u8_tensor.numpy()
u8_dtype = the_u8_tensor.dtype.name

# -- Broadcasting -------------------------------------------------------------------------
x = tf.constant([1, 2, 3])
y = tf.constant(2)
z = tf.constant([2, 2, 2])
same_1 = tf.multiply(x, 2).numpy()
same_2 = (x * y).numpy()
same_3 = (x * z).numpy()
x = tf.reshape(x, [3, 1])
y = tf.range(1, 5)
outer = tf.multiply(x, y).numpy()
x_stretch = tf.constant([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]])
y_stretch = tf.constant([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]])
outer_stretched = (x_stretch * y_stretch).numpy()
broadcast_to = tf.broadcast_to(tf.constant([1, 2, 3]), [3, 3]).numpy()

# -- tf.convert_to_tensor -----------------------------------------------------------------
from_list = tf.convert_to_tensor([[1.0, 2.0], [3.0, 4.0]])
from_list_dtype = from_list.dtype.name
from_numpy = tf.convert_to_tensor(np.arange(6).reshape(2, 3))
from_numpy_dtype = from_numpy.dtype.name

dtype_names = {"rank_0": rank_0_dtype, "rank_1": rank_1_dtype, "rank_2": rank_2_dtype,
               "u8": u8_dtype, "from_list": from_list_dtype, "from_numpy": from_numpy_dtype,
               "bad_reshape_error": bad_reshape}
