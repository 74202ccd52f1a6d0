using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.MemorySystem;
using Xunit.Abstractions;

namespace MMSpec.Properties.MemorySystem;

/// <summary>MMSpec's implementations composed, in lockstep with its models composed.</summary>
public sealed class SystemProperties(ITestOutputHelper output) : SystemExactSpecification(output)
{
    protected override IMemorySystem Create(SystemConfig config) => ImplSystem.Create(config);
}
