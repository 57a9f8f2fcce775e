namespace AgentRnn.Host.Models;

/// <summary>The network that turns an observation into a feature vector before the recurrent core.</summary>
public enum EncoderKind
{
    /// <summary>The DQN "Nature" CNN (AgentRnn.Vision's NatureCnn) on uint8 frames.</summary>
    NatureCnn,

    /// <summary>The IMPALA ResNet (AgentRnn.Vision's ImpalaCnn) on uint8 frames.</summary>
    Impala,

    /// <summary>A multilayer perceptron on vector observations (fc0, fc1, … linear layers).</summary>
    Mlp,
}
