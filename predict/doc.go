// Package predict applies a trained model to new images: a support set names the classes of
// one or more attribute groups, it is embedded once, and every query image gets, per group,
// the predicted class and each class's score, computed as evaluation scores an episode (BN in
// eval mode, the run's input size and training normalisation, from the checkpoint alone).
package predict
