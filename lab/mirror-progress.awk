# Reads playbooks/mirror.yml's output (callback_result_format=json) and prints
# what a long build is doing: each Go artifact as it starts (n of N, with its
# last build time) and as it ends (its time, the time since the first), the
# Debian trees as they are made, each image packaged or pushed, and failures.
function show(text) { print "kubelab: mirror: " text; fflush() }
/^TASK \[/ {
  task = $0
  sub(/^TASK \[/, "", task)
  sub(/^[A-Za-z0-9_.]+ : /, "", task)
  sub(/\] \**$/, "", task)
  if (task ~ /^(Build [0-9]+ of [0-9]+: |Make the Debian root filesystem |Build the pause program)/) show(task)
  next
}
/"msg": ".* built in [0-9]+ s; / {
  line = $0
  sub(/^[^"]*"msg": "/, "", line)
  sub(/",?$/, "", line)
  show("  " line)
  next
}
/^changed: \[[A-Za-z0-9_.-]+\] => \(item=[0-9]+\/[0-9]+ / && task ~ /^(Package|Push)/ {
  item = $0
  sub(/^[^(]*\(item=/, "", item)
  sub(/\)[^)]*$/, "", item)
  show(task ": " item)
  next
}
/^(fatal|failed): / { show($0) }
