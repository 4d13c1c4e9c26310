"""TensorFlow's "Load a pandas DataFrame" tutorial (tensorflow.org/tutorials/load_data/
pandas_dataframe), its Sequential cells, with only the import line changed and an offline
stand-in for heart.csv of the same shape: 303 patients, 13 columns of the same names and
kinds (``thal`` a string) and a 0/1 ``target``. 5 epochs instead of 15 so it runs in
seconds. The cells that feed a dict of columns to a functional ``tf.keras.Model`` are outside
glassnet's Sequential subset (tests/test_keras_held_out.py checks they say so)."""

import numpy as np
import pandas as pd

from glassnet import tf  # was: import tensorflow as tf

SHUFFLE_BUFFER = 500
BATCH_SIZE = 2


def heart_csv_standin(n=303, seed=11):
    rng = np.random.default_rng(seed)
    age = rng.integers(29, 78, n)
    sex = rng.integers(0, 2, n)
    cp = rng.integers(0, 5, n)
    trestbps = rng.normal(131, 17, n).round().astype(int)
    chol = rng.normal(246, 51, n).round().astype(int)
    fbs = (rng.random(n) < 0.15).astype(int)
    restecg = rng.integers(0, 3, n)
    thalach = rng.normal(150, 23, n).round().astype(int)
    exang = rng.integers(0, 2, n)
    oldpeak = rng.gamma(1.0, 1.0, n).round(1)
    slope = rng.integers(1, 4, n)
    ca = rng.integers(0, 4, n)
    thal = rng.choice(['fixed', 'normal', 'reversible'], n)
    risk = (0.04 * (age - 54) - 0.03 * (thalach - 150) + 0.8 * oldpeak + 0.9 * exang
            + rng.normal(0, 1, n))
    target = (risk > 1.0).astype(int)
    return pd.DataFrame({'age': age, 'sex': sex, 'cp': cp, 'trestbps': trestbps,
                         'chol': chol, 'fbs': fbs, 'restecg': restecg, 'thalach': thalach,
                         'exang': exang, 'oldpeak': oldpeak, 'slope': slope, 'ca': ca,
                         'thal': thal, 'target': target})


# csv_file = tf.keras.utils.get_file('heart.csv', '...heart.csv')
# df = pd.read_csv(csv_file)
df = heart_csv_standin()
print(df.head())
print(df.dtypes)

target = df.pop('target')

# -- A DataFrame as an array --------------------------------------------------------------
numeric_feature_names = ['age', 'thalach', 'trestbps', 'chol', 'oldpeak']
numeric_features = df[numeric_feature_names]
print(numeric_features.head())

numeric_tensor = tf.convert_to_tensor(numeric_features)
print(numeric_tensor)
numeric_tensor_shape = tuple(numeric_tensor.shape)
numeric_tensor_is_float64 = numeric_tensor.dtype == tf.float64

normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(numeric_features)

normalized_first_three = normalizer(numeric_features.iloc[:3])
print(normalized_first_three)
normalized_first_three = normalized_first_three.numpy()


def get_basic_model():
    model = tf.keras.Sequential([
        normalizer,
        tf.keras.layers.Dense(10, activation='relu'),
        tf.keras.layers.Dense(10, activation='relu'),
        tf.keras.layers.Dense(1)
    ])

    model.compile(optimizer='adam',
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=['accuracy'])
    return model


model = get_basic_model()
history_arrays = model.fit(numeric_features, target, epochs=5, batch_size=BATCH_SIZE)

# -- With tf.data ------------------------------------------------------------------------
numeric_dataset = tf.data.Dataset.from_tensor_slices((numeric_features, target))

for row in numeric_dataset.take(3):
    print(row)
first_row_features = row[0].numpy()

numeric_batches = numeric_dataset.shuffle(1000).batch(BATCH_SIZE)

model = get_basic_model()
history_dataset = model.fit(numeric_batches, epochs=5)

# -- A DataFrame as a dictionary ---------------------------------------------------------
numeric_dict_ds = tf.data.Dataset.from_tensor_slices((dict(numeric_features), target))

for row in numeric_dict_ds.take(3):
    print(row)
dict_row_keys = sorted(row[0])


def stack_dict(inputs, fun=tf.stack):
    values = []
    for key in sorted(inputs.keys()):
        values.append(tf.cast(inputs[key], tf.float32))

    return fun(values, axis=-1)


stacked = stack_dict(dict(numeric_features))
stacked_shape = tuple(stacked.shape)
dict_normalizer = tf.keras.layers.Normalization(axis=-1)
dict_normalizer.adapt(stacked)
dict_normalizer_mean = np.asarray(dict_normalizer.mean).ravel()
