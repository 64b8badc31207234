/**
 * Whether the user asked the system for less motion (WCAG 2.3.3): antd's transitions and ECharts' drawing
 * animations are then off. The browser test run asks for it too, so its screenshots show finished charts.
 */
export const prefersReducedMotion: boolean = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
