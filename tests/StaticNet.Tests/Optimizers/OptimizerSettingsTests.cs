using System;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>Adam's and SGD's settings reject bad values the same way RmsProp's and AdaGrad's do.</summary>
public class OptimizerSettingsTests
{
    [Theory]
    [InlineData("beta1", 1f)]
    [InlineData("beta1", -0.1f)]
    [InlineData("beta2", 1f)]
    [InlineData("beta2", float.NaN)]
    [InlineData("epsilon", 0f)]
    public void Adam_InvalidSetting_ThrowsNamingArgumentAndValue(string argument, float value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => argument switch
        {
            "beta1" => new Adam(beta1: value),
            "beta2" => new Adam(beta2: value),
            _ => new Adam(epsilon: value),
        });
        Assert.Equal(argument, e.ParamName);
        Assert.Equal(value, e.ActualValue);
        Assert.Contains(argument, e.Message);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.1f)]
    public void Sgd_InvalidMomentum_ThrowsNamingArgumentAndValue(float value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(momentum: value));
        Assert.Equal("momentum", e.ParamName);
        Assert.Equal(value, e.ActualValue);
    }
}
