"""The Sequential model guide (tensorflow.org/guide/keras/sequential_model), cell by cell, with
only the import lines changed. The cells on Conv2D and on feature extraction with the
functional ``keras.Model(inputs=..., outputs=...)`` are outside glassnet's dense subset and
are left out; a random stand-in for the MNIST rows of the transfer-learning cell, which
starts from the model's own weights instead of loading pre-trained ones."""

import numpy as np

from glassnet import keras, tf  # was: import tensorflow as tf; from tensorflow import keras
from glassnet.keras import layers  # was: from tensorflow.keras import layers

# Define Sequential model with 3 layers
model = keras.Sequential(
    [
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ]
)
# Call model on a test input
x = tf.ones((3, 3))
y = model(x)
y_shape = tuple(y.shape)

# Create 3 layers
layer1 = layers.Dense(2, activation="relu", name="layer1")
layer2 = layers.Dense(3, activation="relu", name="layer2")
layer3 = layers.Dense(4, name="layer3")

# Call layers on a test input
x = tf.ones((3, 3))
y = layer3(layer2(layer1(x)))
layers_y_shape = tuple(y.shape)

model = keras.Sequential(
    [
        layers.Dense(2, activation="relu"),
        layers.Dense(3, activation="relu"),
        layers.Dense(4),
    ]
)

model.layers
n_layers = len(model.layers)

model = keras.Sequential()
model.add(layers.Dense(2, activation="relu"))
model.add(layers.Dense(3, activation="relu"))
model.add(layers.Dense(4))

model.pop()
print(len(model.layers))  # 2
n_layers_after_pop = len(model.layers)

model = keras.Sequential(name="my_sequential")
model.add(layers.Dense(2, activation="relu", name="layer1"))
model.add(layers.Dense(3, activation="relu", name="layer2"))
model.add(layers.Dense(4, name="layer3"))
names = [model.name] + [layer.name for layer in model.layers]

layer = layers.Dense(3)
layer.weights  # Empty
weights_before = len(layer.weights)

# Call layer on a test input
x = tf.ones((1, 4))
y = layer(x)
layer.weights  # Now it has weights, of shape (4, 3) and (3,)
weight_counts = [weights_before, len(layer.weights)]
weight_shapes = [tuple(w.shape) for w in layer.weights]

model = keras.Sequential(
    [
        layers.Dense(2, activation="relu"),
        layers.Dense(3, activation="relu"),
        layers.Dense(4),
    ]
)  # No weights at this stage!

# At this point, you can't do this:
# model.weights

# You also can't do this:
# model.summary()

# Call the model on a test input
x = tf.ones((1, 4))
y = model(x)
print("Number of weights after calling the model:", len(model.weights))  # 6
n_weights = len(model.weights)

model.summary()

model = keras.Sequential()
model.add(keras.Input(shape=(4,)))
model.add(layers.Dense(2, activation="relu"))

model.summary()

model.layers
n_layers_with_input = len(model.layers)

model = keras.Sequential()
model.add(layers.Dense(2, activation="relu", input_shape=(4,)))

model.summary()
param_counts = [model.count_params()]
io_shapes = [tuple(model.input_shape), tuple(model.output_shape)]

model = keras.Sequential()
model.add(keras.Input(shape=(28, 28)))
model.add(layers.Flatten())
model.add(layers.Dense(32, activation="relu"))
model.add(layers.Dense(10))
model.summary()
param_counts.append(model.count_params())
io_shapes += [tuple(model.input_shape), tuple(model.output_shape)]
model.get_layer(index=1)
names.append(model.get_layer(index=1).name.split("_")[0])

# Transfer learning: a stand-in for pre-trained weights and data
rng = np.random.default_rng(0)
x_rows = rng.random((256, 784)).astype("float32")
y_rows = rng.integers(0, 10, size=256)

model = keras.Sequential([
    keras.Input(shape=(784,)),
    layers.Dense(32, activation='relu'),
    layers.Dense(32, activation='relu'),
    layers.Dense(32, activation='relu'),
    layers.Dense(10),
])

# Presumably you would want to first load pre-trained weights.
# model.load_weights(...)

# Freeze all layers except the last one.
for layer in model.layers[:-1]:
    layer.trainable = False

# Recompile and train (this will only update the weights of the last layer).
model.compile(optimizer=keras.optimizers.Adam(0.01),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
before = model.get_weights()
history = model.fit(x_rows, y_rows, epochs=5, batch_size=32, verbose=0)
fine_tune_loss_dropped = history.history["loss"][-1] < history.history["loss"][0]
changed = [not np.array_equal(a, b) for a, b in zip(before, model.get_weights())]
n_trainable_weights = [len(model.trainable_weights), len(model.non_trainable_weights)]
param_counts.append(model.count_params())
