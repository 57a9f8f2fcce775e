// Shared helpers. Activation codes match Agent.Core.Kernels.Activation: 0 none, 1 ReLU, 2 tanh, 3 sigmoid.
// Every kernel takes (buffer, element offset) pairs so views into one buffer need no sub-buffers.

inline float sigmoid_f(float x) { return 1.0f / (1.0f + exp(-x)); }

inline float activate(float v, int activation)
{
    switch (activation) {
    case 1: return fmax(v, 0.0f);
    case 2: return tanh(v);
    case 3: return sigmoid_f(v);
    default: return v;
    }
}
