import test from 'ava';
import { tf, initBackend, models } from '../src/index';
import { assertNoLeak } from './helpers';
import { isInfoGenerator } from '../src/models/dcgan';

test.before(async () => {
  await initBackend({ verbose: false });
});

const shapesOf = (model: tf.LayersModel) => Object.fromEntries(models.architectureTable(model).map((row) => [row.name, row.outputShape]));

test('DCGAN generator: the shape of every layer, 7x7 projection to 28x28', (t) => {
  const generator = models.buildDcganGenerator();
  t.deepEqual(shapesOf(generator), {
    z: [null, 100],
    g_project: [null, 7 * 7 * 128],
    g_reshape: [null, 7, 7, 128],
    g_bn0: [null, 7, 7, 128],
    g_relu0: [null, 7, 7, 128],
    g_up1: [null, 14, 14, 64],
    g_bn1: [null, 14, 14, 64],
    g_relu1: [null, 14, 14, 64],
    g_up2: [null, 28, 28, 1],
  });
  t.is(generator.getLayer('g_up1').getClassName(), 'Conv2DTranspose');
  t.is((generator.getLayer('g_up2').getConfig() as { activation: string }).activation, 'tanh');
  generator.dispose();
});

test('DCGAN discriminator: the shape of every layer, strided convs to one logit', (t) => {
  const discriminator = models.buildDcganDiscriminator();
  t.deepEqual(shapesOf(discriminator), {
    image: [null, 28, 28, 1],
    d_conv1: [null, 14, 14, 64],
    d_leaky1: [null, 14, 14, 64],
    d_conv2: [null, 7, 7, 128],
    d_bn2: [null, 7, 7, 128],
    d_leaky2: [null, 7, 7, 128],
    d_flatten: [null, 7 * 7 * 128],
    d_logit: [null, 1],
  });
  // Radford et al. §3: no pooling, one dense layer only (the logit), strides 2, LeakyReLU 0.2.
  const types = discriminator.layers.map((layer) => layer.getClassName());
  t.false(types.some((type) => /Pooling/.test(type)));
  t.is(types.filter((type) => type === 'Dense').length, 1);
  t.deepEqual((discriminator.getLayer('d_conv1').getConfig() as { strides: number[] }).strides, [2, 2]);
  t.is((discriminator.getLayer('d_leaky1').getConfig() as { alpha: number }).alpha, 0.2);
  discriminator.dispose();
});

test('resize-convolution generator, batch-norm-free and spectral critics, conditional models: layer shapes', (t) => {
  const resize = models.buildDcganGenerator({ upsampling: 'resize', filters: 8 });
  const resizeShapes = shapesOf(resize);
  t.deepEqual(resizeShapes.g_up1_resize, [null, 14, 14, 16]);
  t.deepEqual(resizeShapes.g_up1, [null, 14, 14, 8]);
  t.deepEqual(resizeShapes.g_up2_resize, [null, 28, 28, 8]);
  t.deepEqual(resizeShapes.g_up2, [null, 28, 28, 1]);
  const critic = models.buildDcganDiscriminator({ discriminatorNorm: 'none', filters: 8 });
  t.false(critic.layers.some((layer) => layer.getClassName() === 'BatchNormalization'));
  const spectral = models.buildDcganDiscriminator({ discriminatorNorm: 'spectral', filters: 8 });
  t.deepEqual(
    models.architectureTable(spectral).map((row) => [row.type, row.outputShape]),
    [
      ['InputLayer', [null, 28, 28, 1]],
      ['SpectralNormConv2D', [null, 14, 14, 8]],
      ['LeakyReLU', [null, 14, 14, 8]],
      ['SpectralNormConv2D', [null, 7, 7, 16]],
      ['LeakyReLU', [null, 7, 7, 16]],
      ['Flatten', [null, 7 * 7 * 16]],
      ['SpectralNormDense', [null, 1]],
    ],
  );
  const cg = models.buildConditionalDcganGenerator({ filters: 8 });
  t.deepEqual(shapesOf(cg).g_concat, [null, 110]);
  t.deepEqual(shapesOf(cg).g_up2, [null, 28, 28, 1]);
  const cd = models.buildConditionalDcganDiscriminator({ filters: 8 });
  t.deepEqual(shapesOf(cd).d_label_planes, [null, 28, 28, 10]);
  t.deepEqual(shapesOf(cd).d_concat, [null, 28, 28, 11]);
  t.deepEqual(shapesOf(cd).d_logit, [null, 1]);
  // 32 x 32 works too, with an 8 x 8 projection; 30 x 30 cannot be reached by two x2 steps.
  const g32 = models.buildDcganGenerator({ imageShape: [32, 32, 1], filters: 8 });
  t.deepEqual(shapesOf(g32).g_reshape, [null, 8, 8, 16]);
  t.deepEqual(shapesOf(g32).g_up2, [null, 32, 32, 1]);
  t.throws(() => models.buildDcganGenerator({ imageShape: [30, 30, 1] }), {
    message: /buildDcganGenerator: options.imageShape must be \[H, W, C\] with H and W divisible by 4, got \[30,30,1\]/,
  });
  t.throws(() => models.buildDcganDiscriminator({ discriminatorNorm: 'layer' as 'none' }), { message: /discriminatorNorm must be 'batch', 'none' or 'spectral', got 'layer'/ });
  for (const model of [resize, critic, spectral, cg, cd, g32]) model.dispose();
});

test('DCGAN initialisation: kernels N(0, 0.02), batch-norm scale N(1, 0.02), biases 0', (t) => {
  const generator = models.buildDcganGenerator({ seed: 3 });
  const discriminator = models.buildDcganDiscriminator({ seed: 3 });
  for (const model of [generator, discriminator]) {
    for (const weight of model.weights) {
      const values = Array.from(weight.read().dataSync());
      const n = values.length;
      const mean = values.reduce((s, v) => s + v, 0) / n;
      const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
      const name = weight.originalName;
      if (/kernel$/.test(name)) {
        // Standard error of the mean is 0.02 / sqrt(n); n >= 1024 for every kernel here.
        t.true(Math.abs(mean) < 0.003, `${name} mean ${mean}`);
        t.true(Math.abs(std - 0.02) < 0.002, `${name} std ${std}`);
      } else if (/gamma$/.test(name)) {
        t.true(Math.abs(mean - 1) < 0.01 && Math.abs(std - 0.02) < 0.01, `${name} mean ${mean} std ${std}`);
      } else if (/(bias|beta|moving_mean)$/.test(name)) {
        t.is(std + Math.abs(mean), 0, `${name} must start at 0`);
      } else if (/moving_variance$/.test(name)) {
        t.is(mean, 1);
      } else {
        t.fail(`unexpected weight ${name}`);
      }
    }
  }
  // The same seed gives the same weights; another seed different ones.
  const again = models.buildDcganGenerator({ seed: 3 });
  const other = models.buildDcganGenerator({ seed: 4 });
  t.deepEqual(again.getWeights()[0].dataSync(), generator.getWeights()[0].dataSync());
  t.notDeepEqual(other.getWeights()[0].dataSync(), generator.getWeights()[0].dataSync());
  for (const model of [generator, discriminator, again, other]) model.dispose();
});

test.serial('every builder is reproducible for every seed, seed 0 (the default) included', (t) => {
  // tfjs treats a seed of 0 as "no seed" (Math.random); no layer may receive it.
  const builders = [models.buildDcganGenerator, models.buildDcganDiscriminator, models.buildConditionalDcganGenerator, models.buildConditionalDcganDiscriminator];
  for (const build of builders) {
    for (const options of [{}, { seed: 0 }, { seed: 2, labelConditioning: 'both' as const }, { seed: -1, discriminatorNorm: 'spectral' as const }]) {
      const a = build({ filters: 4, ...options });
      const b = build({ filters: 4, ...options });
      a.weights.forEach((weight, i) => {
        t.deepEqual(weight.read().dataSync(), b.weights[i].read().dataSync(), `${a.name} ${JSON.stringify(options)}: ${weight.name}`);
      });
      a.dispose();
      b.dispose();
    }
  }
});

test.serial('forward passes: images in [-1, 1], one logit per image, the label changes D, no leaks', async (t) => {
  const generator = models.buildDcganGenerator({ filters: 8 });
  const discriminator = models.buildDcganDiscriminator({ filters: 8 });
  const cg = models.buildConditionalDcganGenerator({ filters: 8 });
  const cd = models.buildConditionalDcganDiscriminator({ filters: 8 });
  await assertNoLeak(t, () => {
    tf.tidy(() => {
      const z = tf.randomNormal([4, 100], 0, 1, 'float32', 1);
      const images = generator.apply(z, { training: true }) as tf.Tensor;
      t.deepEqual(images.shape, [4, 28, 28, 1]);
      t.true(images.abs().max().dataSync()[0] <= 1);
      t.deepEqual((discriminator.apply(images, { training: true }) as tf.Tensor).shape, [4, 1]);
      const sevens = tf.oneHot(tf.tensor1d([7, 7, 7, 7], 'int32'), 10).cast('float32');
      const ones = tf.oneHot(tf.tensor1d([1, 1, 1, 1], 'int32'), 10).cast('float32');
      const conditional = cg.apply([z, sevens]) as tf.Tensor;
      t.deepEqual(conditional.shape, [4, 28, 28, 1]);
      const asSeven = cd.apply([conditional, sevens]) as tf.Tensor;
      const asOne = cd.apply([conditional, ones]) as tf.Tensor;
      t.deepEqual(asSeven.shape, [4, 1]);
      t.true(asSeven.sub(asOne).abs().max().dataSync()[0] > 0, 'D must depend on the label');
    });
  }, 'forward passes');
  for (const model of [generator, discriminator, cg, cd]) model.dispose();
});

test.serial('projection discriminator: logit(x, y) = psi(phi(x)) + embed(y) . phi(x), computed by hand', (t) => {
  const cd = models.buildConditionalDcganDiscriminator({ filters: 4, labelConditioning: 'projection', seed: 5 });
  t.deepEqual(shapesOf(cd).d_conv1, [null, 14, 14, 4]); // the image alone: no label planes
  t.false(cd.layers.some((layer) => layer.name === 'd_concat'));
  t.deepEqual(shapesOf(cd).d_projection, [null, 1]);
  const both = models.buildConditionalDcganDiscriminator({ filters: 4, labelConditioning: 'both' });
  t.deepEqual(shapesOf(both).d_concat, [null, 28, 28, 11]);
  t.deepEqual(shapesOf(both).d_projection, [null, 1]);
  const features = tf.model({ inputs: cd.inputs[0], outputs: cd.getLayer('d_flatten').output as tf.SymbolicTensor });
  tf.tidy(() => {
    const images = tf.randomUniform([3, 28, 28, 1], -1, 1, 'float32', 6);
    const labels = [2, 7, 9];
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).cast('float32');
    const out = Array.from((cd.predict([images, onehot]) as tf.Tensor).dataSync());
    const phi = (features.predict(images) as tf.Tensor).arraySync() as number[][]; //       [3, 196]
    const [w, b] = cd.getLayer('d_logit').getWeights().map((x) => x.arraySync()) as [number[][], number[]];
    const v = cd.getLayer('d_label_embedding').getWeights()[0].arraySync() as number[][]; // [10, 196]
    labels.forEach((y, i) => {
      const psi = phi[i].reduce((s, f, j) => s + f * w[j][0], b[0]);
      const projected = phi[i].reduce((s, f, j) => s + f * v[y][j], 0);
      t.true(Math.abs(out[i] - (psi + projected)) < 1e-5, `sample ${i}: ${out[i]} vs ${psi + projected}`);
    });
  });
  t.throws(() => models.buildConditionalDcganDiscriminator({ labelConditioning: 'concat' as 'planes' }), {
    message: /buildConditionalDcganDiscriminator: options.labelConditioning must be 'planes', 'projection' or 'both', got 'concat'/,
  });
  for (const model of [cd, both]) model.dispose();
});

test('InfoGAN DCGAN: G takes [z, code] like the conditional G; D returns [logit, code logits] through a 128-unit Q head', (t) => {
  const generator = models.buildInfoDcganGenerator({ filters: 8, numClasses: 10 });
  const discriminator = models.buildInfoDcganDiscriminator({ filters: 8, numClasses: 10 });
  t.deepEqual(generator.inputs.map((i) => i.shape), [[null, 100], [null, 10]]);
  t.deepEqual(generator.outputs[0].shape, [null, 28, 28, 1]);
  t.deepEqual(discriminator.outputs.map((o) => o.shape), [[null, 1], [null, 10]]);
  const q = discriminator.getLayer('q_hidden');
  t.is(q.countParams(), 7 * 7 * 16 * 128 + 128);
  t.true(isInfoGenerator(generator));
  t.false(isInfoGenerator(models.buildDcganGenerator({ filters: 8 })));
  const [logit, codeLogits] = tf.tidy(() => discriminator.predict(generator.predict([tf.zeros([2, 100]), tf.oneHot([1, 2], 10).cast('float32')]) as tf.Tensor) as tf.Tensor[]);
  t.deepEqual([logit.shape, codeLogits.shape], [[2, 1], [2, 10]]);
  tf.dispose([logit, codeLogits]);
  generator.dispose();
  discriminator.dispose();
});
