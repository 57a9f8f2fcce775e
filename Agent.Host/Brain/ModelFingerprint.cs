using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using AgentRnn.Core;
using AgentRnn.Host.Models;

namespace AgentRnn;

/// <summary>SHA-256 of a model's config (as JSON) and every parameter (name, shape, float32 bytes in name order).</summary>
internal static class ModelFingerprint
{
    public const int Bytes = 32;

    public static string Of(PolicyModel model) => Convert.ToHexString(Hash(model)).ToLowerInvariant();

    public static byte[] Hash(PolicyModel model)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(model.Config.ToJson()));
        foreach (KeyValuePair<string, Tensor> p in model.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(p.Key));
            hash.AppendData(MemoryMarshal.AsBytes(p.Value.Shape));
            hash.AppendData(MemoryMarshal.AsBytes(p.Value.Span));
        }
        return hash.GetHashAndReset();
    }
}
