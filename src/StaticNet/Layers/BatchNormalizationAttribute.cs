using System;

namespace StaticNet;

/// <summary>
/// Batch normalization over the last axis (Keras <c>BatchNormalization(momentum, epsilon)</c>): in training each
/// channel is normalized with the batch's mean and variance and the moving statistics follow them; in
/// prediction the moving statistics are used. Parameters: gamma and beta (trained), moving mean and variance
/// (saved with the weights). Networks with it train each step on one thread: the statistics span the batch.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormalizationAttribute : Attribute
{
    /// <summary>moving = momentum · moving + (1 − momentum) · batch statistic; 0.99 by default (PyTorch's momentum 0.01).</summary>
    public float Momentum { get; set; } = 0.99f;

    /// <summary>Added to the variance; 0.001 by default (Keras's; PyTorch's default is 1e-5).</summary>
    public float Epsilon { get; set; } = 0.001f;
}
