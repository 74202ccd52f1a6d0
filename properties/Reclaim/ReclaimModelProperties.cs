using MMSpec.Conformance.Reclaim;
using MMSpec.Model.Reclaim;
using Xunit.Abstractions;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// The reference model held to the safe and live rules on its own: the oracle of written words, the invariants, bad
/// input, anonymous pages without swap, and reclaim's liveness. These rules need no model, so they check the model
/// itself.
/// </summary>
public sealed class ReclaimModelProperties(ITestOutputHelper output) : ReclaimLiveSpecification(output)
{
    protected override IReclaimSystem Create(ReclaimConfig config) => new ReclaimModel(config);
}
