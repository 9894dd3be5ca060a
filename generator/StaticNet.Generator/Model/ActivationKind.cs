// The generator's activation enum is now the shared StaticNet.Generator.Model.Activation (src/Shared/Activation.cs).
// This alias keeps code written against the old name compiling (Weights/ is being changed on another branch);
// remove it once nothing uses ActivationKind.
global using ActivationKind = StaticNet.Generator.Model.Activation;
