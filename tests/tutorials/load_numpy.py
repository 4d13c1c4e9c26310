"""TensorFlow's "Load NumPy data" tutorial (tensorflow.org/tutorials/load_data/numpy), cell by
cell, with only the import line changed and an offline stand-in for the mnist.npz arrays of
the same shapes and types: 28 x 28 uint8 images with values 0..255 (the notebook does not
scale them) and uint8 labels 0..9, each digit class its own scattered strokes among noise,
so there is something to learn; 6,000 training and 1,000 test examples (the file has 60,000
and 10,000) and 3 epochs (the notebook runs 10), so it runs in seconds. The arrays go into
tf.data as the notebook's do."""

import numpy as np

from glassnet import tf  # was: import tensorflow as tf


def load_mnist_npz_standin(n_train=6000, n_test=1000, seed=7):
    rng = np.random.default_rng(seed)
    strokes = rng.random((10, 28, 28)) < 0.15  # each digit class: its own set of pixels

    def draw(n):
        y = rng.integers(0, 10, size=n).astype(np.uint8)
        on = (strokes[y] & (rng.random((n, 28, 28)) < 0.3)) | (rng.random((n, 28, 28)) < 0.1)
        return (on * rng.integers(128, 256, size=(n, 28, 28))).astype(np.uint8), y

    return draw(n_train), draw(n_test)


# DATA_URL = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz'
# path = tf.keras.utils.get_file('mnist.npz', DATA_URL)
# with np.load(path) as data:
#     train_examples = data['x_train'] ...
(train_examples, train_labels), (test_examples, test_labels) = load_mnist_npz_standin()

# -- Load NumPy arrays with tf.data.Dataset -----------------------------------------------
train_dataset = tf.data.Dataset.from_tensor_slices((train_examples, train_labels))
test_dataset = tf.data.Dataset.from_tensor_slices((test_examples, test_labels))

n_train_elements = len(train_dataset)
first_example, first_label = next(iter(train_dataset))
first_example_shape = tuple(first_example.shape)
first_label_value = int(first_label)

# -- Use the datasets: shuffle and batch --------------------------------------------------
BATCH_SIZE = 64
SHUFFLE_BUFFER_SIZE = 100

train_dataset = train_dataset.shuffle(SHUFFLE_BUFFER_SIZE).batch(BATCH_SIZE)
test_dataset = test_dataset.batch(BATCH_SIZE)

n_train_batches = len(train_dataset)
n_test_batches = int(test_dataset.cardinality().numpy())
for batch_examples, batch_labels in train_dataset.take(1):
    batch_shape = tuple(batch_examples.shape)
    batch_label_shape = tuple(batch_labels.shape)
print(train_dataset.element_spec)

# -- Build and train a model --------------------------------------------------------------
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10)
])

model.compile(optimizer=tf.keras.optimizers.RMSprop(),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['sparse_categorical_accuracy'])

model.summary()

history = model.fit(train_dataset, epochs=3)

results = model.evaluate(test_dataset)
test_loss, test_acc = results
print('loss, accuracy:', results)

predictions = model.predict(test_dataset)
predictions_shape = tuple(predictions.shape)
