"""Synthetic territories and outbreaks for the demo, the tests and the benchmarks (issue 3).

Pure numpy/scipy/pyarrow; only `loader` imports Django. Entry point:
`engine.simulate(engine.Config(population=…, days=…, seed=…))` returns an `output.Scenario`.

territory, places, identities, names   the jurisdiction tree, households, people, key places
pathogen (+ pathogens/*.toml)          natural history presets (Omicron BA.5)
transmission, state                    infections by setting, driven by the generation interval
response, detection, tracing, support  the protocol-driven response and the needs it creates
engine                                 the day loop
output, output_territory, output_epidemic, writer   the versioned tables; Parquet/CSV files
loader                                 writes the tables that have models into the database
docs/simulator.md documents the model, every table and column, and the measured timings.
"""
