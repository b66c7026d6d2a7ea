/* ksim: CPU masks (include/linux/cpumask.h): every CPU ksim simulates is
 * possible and online; num_online_cpus() ... are functions of ksim's kernel API. */
#include <linux/types.h>
#define nr_cpu_ids num_possible_cpus()
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < num_possible_cpus(); (cpu)++)
#define for_each_online_cpu(cpu) for ((cpu) = 0; (cpu) < num_online_cpus(); (cpu)++)
#define for_each_present_cpu(cpu) for_each_possible_cpu(cpu)
