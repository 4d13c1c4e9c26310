"""TensorFlow 2 quickstart for beginners (tensorflow.org/tutorials/quickstart/beginner), cell
by cell, with only the import line changed and an offline stand-in for MNIST of the same
shapes: 28 x 28 images with values 0..255 and labels 0..9 (each digit class a noisy blurred
template, so there is something to learn)."""

import numpy as np

from glassnet import tf  # was: import tensorflow as tf

print("TensorFlow version:", tf.__version__)


def load_mnist_standin(n_train=6000, n_test=1000, seed=0):
    rng = np.random.default_rng(seed)
    templates = rng.random((10, 28, 28)) ** 3

    def draw(n):
        y = rng.integers(0, 10, size=n).astype(np.uint8)
        x = 0.12 * templates[y] + rng.random((n, 28, 28)) * 0.8
        return np.clip(x * 200, 0, 255).astype(np.uint8), y

    return draw(n_train), draw(n_test)


# mnist = tf.keras.datasets.mnist
# (x_train, y_train), (x_test, y_test) = mnist.load_data()
(x_train, y_train), (x_test, y_test) = load_mnist_standin()
x_train, x_test = x_train / 255.0, x_test / 255.0

model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10)
])

predictions = model(x_train[:1]).numpy()
print(predictions)
predictions_shape = predictions.shape

softmax_sum = float(tf.nn.softmax(predictions).numpy().sum())
print(tf.nn.softmax(predictions).numpy())

loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

untrained_loss = loss_fn(y_train[:1], predictions).numpy()
print(untrained_loss)

model.compile(optimizer='adam',
              loss=loss_fn,
              metrics=['accuracy'])

history = model.fit(x_train, y_train, epochs=5)

test_loss, test_acc = model.evaluate(x_test,  y_test, verbose=2)

probability_model = tf.keras.Sequential([
  model,
  tf.keras.layers.Softmax()
])

probabilities = probability_model(x_test[:5])
print(probabilities)
probability_rows = probabilities.numpy().sum(axis=1)
probability_shape = tuple(probabilities.shape)
