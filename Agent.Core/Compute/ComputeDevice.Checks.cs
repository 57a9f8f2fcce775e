using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute;

public abstract partial class ComputeDevice
{
    private void Require<T>(DeviceView<T> view, string name, long needed)
        where T : unmanaged
    {
        if (view.IsEmpty)
        {
            throw new ArgumentException($"{name} is empty; needs {needed} elements", name);
        }
        RequireOptional(view, name, needed);
    }

    private void RequireOptional<T>(DeviceView<T> view, string name, long needed)
        where T : unmanaged
    {
        if (view.IsEmpty)
        {
            return;
        }
        if (!ReferenceEquals(view.Buffer.Device, this))
        {
            throw new ArgumentException($"{name} belongs to another device ({view.Buffer.Device.Name}), not {Name}", name);
        }
        view.Buffer.ThrowIfDisposed();
        if (view.Length < needed)
        {
            throw new ArgumentException($"{name} holds {view.Length} elements, needs {needed}", name);
        }
    }

    private static void CheckActivation(Activation activation)
    {
        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
        }
    }
}
