using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.MemorySystem;
using Xunit.Abstractions;

namespace MMSpec.Properties.MemorySystem;

/// <summary>The implementation's slow path at the exact level: Linux 6.18's steps in Linux's order.</summary>
public sealed class SlowPathProperties(ITestOutputHelper output) : SlowPathExactSpecification(output)
{
    protected override ISlowPath Create() => new SlowPath();
}

/// <summary>The reference keeps the safe rules, which are read off its steps apart from it.</summary>
public sealed class SlowPathModelProperties(ITestOutputHelper output) : SlowPathSafeSpecification(output)
{
    protected override ISlowPath Create() => new SlowPathModel();
}
