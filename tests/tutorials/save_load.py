# ruff: noqa: E501, UP018, UP032  (the notebook's own lines, kept as they are)
"""TensorFlow's "Save and load models" tutorial, as its cells run, on stand-in data.

Only the import lines differ from the notebook (``from glassnet import tf`` ...). The MNIST
download becomes seeded stand-in arrays of the same shapes (1,000 training and 1,000 test
images of 28 x 28 pixels in 0..255, labels 0..9, drawn so they can be learned), and it is cut
down to run in seconds: 3 epochs where the notebook trains 10 and 5, and 10 (saving every
5 batches' worth: 5 * n_batches) where it trains 50. The SavedModel cells (model.export, a
TensorFlow format) are left out.
"""

import math
import os

import numpy as np

from glassnet import keras, tf

print(tf.version.VERSION)

# -- the data: MNIST-shaped stand-in (the notebook calls tf.keras.datasets.mnist.load_data())
_rng = np.random.default_rng(7)
_prototypes = np.full((10, 28 * 28), 100.0)
_informative = _rng.choice(28 * 28, size=80, replace=False)  # the pixels that tell digits apart
_prototypes[:, _informative] += _rng.normal(0, 45, size=(10, 80))


def _images(labels):
    noise = _rng.normal(0, 60, size=(len(labels), 28 * 28))
    return np.clip(_prototypes[labels] + noise, 0, 255).astype("uint8").reshape(-1, 28, 28)


_train_y = _rng.integers(0, 10, size=2000)
_test_y = _rng.integers(0, 10, size=2000)
(train_images, train_labels), (test_images, test_labels) = (
    (_images(_train_y), _train_y), (_images(_test_y), _test_y))

train_labels = train_labels[:1000]
test_labels = test_labels[:1000]

train_images = train_images[:1000].reshape(-1, 28 * 28) / 255.0
test_images = test_images[:1000].reshape(-1, 28 * 28) / 255.0


# Define a simple sequential model
def create_model():
    model = tf.keras.Sequential([
        keras.layers.Dense(512, activation='relu', input_shape=(784,)),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10)
    ])

    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])

    return model


# Create a basic model instance
model = create_model()

# Display the model's architecture
model.summary()

# -- save checkpoints during training -------------------------------------------------------
checkpoint_path = "training_1/cp.weights.h5"  # Since you're only saving weights, you should use the .weights.h5 extension. If you're saving the whole model, you would use the .keras extension instead
checkpoint_dir = os.path.dirname(checkpoint_path)

# Create a callback that saves the model's weights
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_path,
                                                 save_weights_only=True,
                                                 verbose=1)

# Train the model with the new callback
history_1 = model.fit(train_images,
                      train_labels,
                      epochs=3,
                      validation_data=(test_images, test_labels),
                      callbacks=[cp_callback])  # Pass callback to training

# This may generate warnings related to saving the state of the optimizer.
# These warnings (and similar warnings throughout this notebook)
# are in place to discourage outdated usage, and can be ignored.

training_1_files = os.listdir(checkpoint_dir)

# Create a basic model instance
model = create_model()

# Evaluate the model
loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Untrained model, accuracy: {:5.2f}%".format(100 * acc))
untrained_acc = acc

# Loads the weights
model.load_weights(checkpoint_path)

# Re-evaluate the model
loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Restored model, accuracy: {:5.2f}%".format(100 * acc))
restored_acc_1 = acc
restored_loss_1 = loss

# -- checkpoint callback options --------------------------------------------------------------
# Include the epoch in the file name (uses `str.format`)
checkpoint_path = "training_2/cp-{epoch:04d}.weights.h5"
checkpoint_dir = os.path.dirname(checkpoint_path)

batch_size = 32

# Calculate the number of batches per epoch
n_batches = len(train_images) / batch_size
n_batches = math.ceil(n_batches)    # round up the number of batches to the nearest whole integer

# Create a callback that saves the model's weights every 5 epochs
cp_callback = tf.keras.callbacks.ModelCheckpoint(
    filepath=checkpoint_path,
    verbose=1,
    save_weights_only=True,
    save_freq=5 * n_batches)

# Create a new model instance
model = create_model()

# Not in the notebook: Keras 3's save_weights does not create a missing directory (it
# raises), so the directory the next line writes into is made first.
os.makedirs(checkpoint_dir, exist_ok=True)

# Save the weights using the `checkpoint_path` format
model.save_weights(checkpoint_path.format(epoch=0))

# Train the model with the new callback
model.fit(train_images,
          train_labels,
          epochs=10,
          batch_size=batch_size,
          callbacks=[cp_callback],
          validation_data=(test_images, test_labels),
          verbose=0)

training_2_files = sorted(os.listdir(checkpoint_dir))


def load_latest_checkpoint(checkpoint_dir):
    latest = max(os.listdir(checkpoint_dir), key=lambda f: int(f.split('-')[1].split('.')[0]))
    return os.path.join(checkpoint_dir, latest)


latest = load_latest_checkpoint(checkpoint_dir)
print(latest)

# Create a new model instance
model = create_model()

# Load the previously saved weights
model.load_weights(latest)

# Re-evaluate the model from the latest checkpoint
loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Restored model, accuracy: {:5.2f}%".format(100 * acc))
restored_acc_2 = acc

# -- manually save weights ------------------------------------------------------------------
os.makedirs('./checkpoints', exist_ok=True)  # not in the notebook: as above, for Keras 3

# Save the weights
model.save_weights('./checkpoints/my_checkpoint.weights.h5')

# Create a new model instance
model = create_model()

# Restore the weights
model.load_weights('./checkpoints/my_checkpoint.weights.h5')

# Evaluate the model
loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Restored model, accuracy: {:5.2f}%".format(100 * acc))
restored_acc_3 = acc

# -- save the entire model --------------------------------------------------------------------
# Create and train a new model instance.
model = create_model()
model.fit(train_images, train_labels, epochs=3)

# Save the entire model as a `.keras` zip archive.
model.save('my_model.keras')

new_model = tf.keras.models.load_model('my_model.keras')

# Show the model architecture
new_model.summary()

# Evaluate the restored model
loss, acc = new_model.evaluate(test_images, test_labels, verbose=2)
print('Restored model, accuracy: {:5.2f}%'.format(100 * acc))

print(new_model.predict(test_images).shape)
keras_format_acc = acc
keras_format_same = bool(np.allclose(new_model.predict(test_images), model.predict(test_images),
                                     atol=1e-5))
prediction_shape = new_model.predict(test_images).shape

# HDF5 format
# Create and train a new model instance.
model = create_model()
model.fit(train_images, train_labels, epochs=3)

# Save the entire model to a HDF5 file.
# The '.h5' extension indicates that the model should be saved to HDF5.
model.save('my_model.h5')

# Recreate the exact same model, including its weights and the optimizer
new_model = tf.keras.models.load_model('my_model.h5')

# Show the model architecture
new_model.summary()

loss, acc = new_model.evaluate(test_images, test_labels, verbose=2)
print('Restored model, accuracy: {:5.2f}%'.format(100 * acc))
h5_format_acc = acc
