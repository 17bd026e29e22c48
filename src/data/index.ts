// The one pixel-range convention (src/pixels.ts) is part of the data namespace: data.toRange, data.PixelRange.
export { toRange, DEFAULT_PIXEL_RANGE, PIXEL_RANGES, type PixelRange } from '../pixels';
export {
  datasetDir, DEFAULT_LOAD_OPTIONS, disposeDataset, loadDataset, loadFashionMnist, loadMnist,
} from './datasets';
export type { DatasetName, ImageDataset, LabelledImages, LoadOptions } from './datasets';
export { batches, DEFAULT_BATCH_OPTIONS, forEachBatch } from './batches';
export type { BatchOptions } from './batches';
export { makeRandom, permutation, tfSeed, type Random } from '../random';
export {
  DEFAULT_EDGE_PAIRS_OPTIONS, DEFAULT_TEXTURED_DOMAIN_OPTIONS, edgePairs, texturedDomain,
} from './synthetic';
export type { EdgePairs, EdgePairsOptions, TexturedDomainOptions } from './synthetic';
export {
  DEFAULT_RING_COVERAGE_OPTIONS, DEFAULT_RING_OPTIONS, ringCentres, ringCoverage, sampleRing,
} from './ring';
export type { RingCoverage, RingCoverageOptions, RingOptions } from './ring';
export { DEFAULT_FACADE_OPTIONS, FACADE_CLASSES, FACADE_LABEL_COLOURS, makeFacades } from './facades';
export type { FacadeOptions, Facades } from './facades';
export {
  DEFAULT_DIGIT_TEXTURES, DEFAULT_EDGES_TO_CLOTHING_OPTIONS, DEFAULT_LABELS_TO_FACADES_OPTIONS,
  DEFAULT_PLAIN_TEXTURED_DIGITS_OPTIONS, DEFAULT_TWO_CLASS_DOMAINS_OPTIONS, disposePairedSet,
  disposeUnpairedSet, edgesToClothing, labelsToFacades, paintTextured, plainTexturedDigits,
  toGreyUnit, twoClassDomains, unpadToUnit,
} from './translation-sets';
export type {
  EdgesToClothingOptions, LabelsToFacadesOptions, PairedImages, PairedSet,
  PlainTexturedDigitsOptions, TwoClassDomainsOptions, UnpairedImages, UnpairedSet,
} from './translation-sets';
export { DEFAULT_IMAGE_FOLDER_OPTIONS, loadImageFolder } from './image-folder';
export type { ImageFolder, ImageFolderOptions } from './image-folder';
export { DEFAULT_KMEANS_OPTIONS, kMeans, nearestCentroid, proportionalLabels } from './clusters';
export type { KMeansOptions, KMeansResult } from './clusters';
